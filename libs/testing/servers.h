#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/testing/process.h"

namespace fleet::testing {

// A real redis-server (no persistence) on 127.0.0.1:<free port> in a fresh temp dir.
// Start() returns once it answers PING. The destructor kills it and removes the dir.
// Not thread-safe; the server itself of course serves any number of clients.
class RedisServer {
 public:
  // Fails with the server's log tail when it does not come up within 10 s (3 port attempts).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();

  int port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::string addr() const;  // "127.0.0.1:PORT"

  // SIGKILLs the server (clients see their connections drop). Idempotent.
  void Kill();
  // Kills it if still running and starts a fresh, empty server on the same port.
  absl::Status Restart();

 private:
  RedisServer() = default;
  absl::Status Launch();

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// A real PostgreSQL 15 cluster (initdb into a fresh dir under /tmp, trust auth, user postgres,
// fsync and synchronous_commit off) listening on 127.0.0.1:<free port>, unix socket in its dir.
// When the test runs as root, initdb and postgres run as the `postgres` user via setpriv.
// Start() returns once pg_isready succeeds. The destructor kills it and removes the dir.
class PostgresServer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();

  int port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }  // The postmaster.
  // postgresql://postgres@127.0.0.1:PORT/postgres
  std::string url() const;

  // SIGKILLs the postmaster and all backends (a crash). Idempotent. Because the server runs
  // with synchronous_commit=off, commits from the last ~0.2 s may be lost unless the test ran
  // CHECKPOINT first.
  void Kill();
  // Kills it if still running and starts it again on the same port and data dir (data kept).
  absl::Status Restart();

 private:
  PostgresServer() = default;
  absl::Status Launch();

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// Directory holding the PostgreSQL 15 server binaries.
inline constexpr char kPostgresBinDir[] = "/usr/lib/postgresql/15/bin";

}  // namespace fleet::testing
