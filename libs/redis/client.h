#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/redis/reply.h"

namespace fleet::redis {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Maximum number of connections; callers beyond it wait up to command_timeout for one.
  int pool_size = 4;
  absl::Duration connect_timeout = absl::Seconds(2);
  // Bounds every socket read/write (and the wait for a free pooled connection).
  absl::Duration command_timeout = absl::Seconds(2);
};

// Parses "host:port" (as in FLEET_REDIS_ADDR) into Options with default timeouts.
absl::StatusOr<Options> OptionsFromAddr(const std::string& addr);

// A thread-safe pool of blocking hiredis connections.
//
// Connections are created lazily up to pool_size. A connection that fails (I/O error, timeout,
// protocol error) is closed, and so are all idle ones opened before the failure, so a restarted
// server is picked up by the next call; an idle connection the server closed is detected and
// replaced before use. Commands are never retried (they may not be idempotent).
//
// Errors: UNAVAILABLE with "BACKEND_UNAVAILABLE" in the message when Redis cannot be reached,
// the connection breaks or a timeout passes; INTERNAL with the error text when Redis answers a
// Command with an error reply; INVALID_ARGUMENT for an empty command.
class Client {
 public:
  // Opens one connection and PINGs it, so an unreachable server fails here (UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const Options& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one command given as binary-safe arguments, e.g. {"SET", key, value}.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);

  // Sends all commands in one write on one connection and reads the replies in order. Error
  // replies stay in the result as kError items; the call itself fails only when the connection
  // does (then some commands may have run).
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& cmds);

  const Options& options() const { return options_; }

 private:
  struct Conn;
  explicit Client(Options options);

  absl::StatusOr<std::unique_ptr<Conn>> Acquire();
  void Release(std::unique_ptr<Conn> conn, bool broken);
  absl::StatusOr<std::unique_ptr<Conn>> Open(uint64_t epoch);
  absl::Status Unavailable(const std::string& what) const;

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;  // Checked out or being opened.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;  // Bumped on every connection failure.
};

}  // namespace fleet::redis
