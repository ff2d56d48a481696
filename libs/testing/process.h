#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::testing {

// Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
// Another process may take it before the caller binds it; server helpers retry on that race.
int FreePort();

// Polls `cond` every `poll` until it returns true (OK) or `timeout` passes (DEADLINE_EXCEEDED).
absl::Status WaitFor(std::function<bool()> cond, absl::Duration timeout,
                     absl::Duration poll = absl::Milliseconds(20));

// Creates a fresh directory under $TEST_TMPDIR (or $TMPDIR, or /tmp) named `prefix`XXXXXX.
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix, bool under_tmp = false);

// Removes a directory tree; best effort, never fails.
void RemoveTree(const std::string& path);

// A child process in its own process group. stdout/stderr go to files in a private temp dir.
// The destructor SIGKILLs the whole process group, reaps the child and removes the temp dir.
// Not thread-safe: use one Process from one thread at a time.
class Process {
 public:
  // Starts argv[0] (looked up in PATH) with argv. `env` entries are added to (or override) the
  // current environment; `cwd`, when set, is the child's working directory. Fails with INVALID_ARGUMENT for an empty argv and INTERNAL when the
  // binary cannot be executed (the exec error is reported, not a dead child).
  static absl::StatusOr<std::unique_ptr<Process>> Spawn(
      std::vector<std::string> argv, std::map<std::string, std::string> env = {},
      std::string cwd = "");

  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Sends SIGTERM to the process and waits up to `grace` for it to exit; then SIGKILLs the
  // process group. OK when it exited with code 0 in time; INTERNAL with the exit code or signal
  // otherwise; DEADLINE_EXCEEDED when it had to be killed. Also reaps leftover group members.
  absl::Status Terminate(absl::Duration grace = absl::Seconds(10));

  // SIGKILLs the whole process group and every descendant (also those that left the group with
  // setsid, like PostgreSQL backends), reaps the child and waits up to 5 s for the orphans to
  // die. Idempotent.
  void Kill();

  // True while the child has not exited (reaps it when it has).
  bool Running();

  // Waits up to `timeout` for the child to exit by itself; returns its exit_code().
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Exit code once exited: the code for a normal exit, 128+signal when killed by a signal.
  std::optional<int> exit_code() const { return exit_code_; }

  // The last `bytes` of stdout and of stderr, labelled; for failure messages.
  std::string LogTail(size_t bytes) const;

  const std::string& stdout_path() const { return stdout_path_; }
  const std::string& stderr_path() const { return stderr_path_; }

 private:
  Process() = default;
  void Reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  bool group_killed_ = false;
  std::string dir_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// Runs argv to completion (at most `timeout`, then SIGKILL) and returns its exit code; output is
// appended to `log` when given. For short helper commands (initdb, pg_isready).
absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                               std::string* log = nullptr, const std::string& cwd = "");

}  // namespace fleet::testing
