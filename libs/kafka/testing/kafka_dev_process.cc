#include "libs/kafka/testing/kafka_dev_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/testing/runfiles.h"

namespace fleet::kafka::testing {
namespace {

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

absl::StatusOr<std::string> FindBinary() {
  std::vector<std::string> candidates;
  if (const char* env = getenv("FLEET_KAFKA_DEV_BIN"); env != nullptr && *env != '\0') {
    candidates.push_back(env);
  }
  constexpr char kRel[] = "tools/kafka-dev/kafka-dev";
  if (std::string runfile = fleet::testing::Runfile(kRel); !runfile.empty()) {
    candidates.push_back(std::move(runfile));
  }
  candidates.push_back(absl::StrCat("bazel-bin/", kRel));
  for (const std::string& c : candidates) {
    if (IsExecutable(c)) return c;
  }
  return absl::NotFoundError(
      absl::StrCat("kafka-dev binary not found (add //tools/kafka-dev to the test's data or set "
                   "FLEET_KAFKA_DEV_BIN); tried: ",
                   candidates.front(), " ..."));
}

// Kills and reaps the child, SIGKILL after `grace`.
void Stop(pid_t pid, absl::Duration grace) {
  kill(pid, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    int status;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    absl::SleepFor(absl::Milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaDevProcess>> StartKafkaDev(
    std::vector<std::pair<std::string, int>> topics) {
  absl::StatusOr<std::string> binary = FindBinary();
  if (!binary.ok()) return binary.status();

  const char* tmp = getenv("TEST_TMPDIR");
  std::string dir_template = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/kafka-dev.XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  const std::string dir = dir_template;
  const std::string bootstrap_file = dir + "/bootstrap";

  // Everything the child needs is built before fork (only exec after it).
  std::vector<std::string> args = {*binary, "--brokers=3",
                                   absl::StrCat("--bootstrap_file=", bootstrap_file)};
  for (const auto& [name, partitions] : topics) {
    args.push_back(absl::StrCat("--topic=", name, ":", partitions));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = dir + "/kafka-dev.log";
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    // Only async-signal-safe calls here (the parent may have threads).
    // The child's stdout/stderr go to a log file, quoted if it fails to start.
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }

  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::ifstream log(log_path);
      std::stringstream text;
      text << log.rdbuf();
      return absl::UnavailableError(absl::StrCat("kafka-dev exited early (status ", status,
                                                 "): ", text.str()));
    }
    std::ifstream in(bootstrap_file);
    std::string bootstrap;
    if (in && std::getline(in, bootstrap) && !bootstrap.empty()) {
      return std::unique_ptr<KafkaDevProcess>(new KafkaDevProcess(pid, dir, bootstrap));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop(pid, absl::Seconds(1));
  return absl::UnavailableError("kafka-dev did not become ready within 15 s");
}

KafkaDevProcess::~KafkaDevProcess() {
  Stop(pid_, absl::Seconds(5));
  unlink((dir_ + "/kafka-dev.log").c_str());
  unlink((dir_ + "/bootstrap").c_str());
  rmdir(dir_.c_str());
}

}  // namespace fleet::kafka::testing
