#include "libs/testing/servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace fleet::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr int kPortAttempts = 3;

// Sends "PING" to a Redis on loopback and returns true on "+PONG".
bool RedisPing(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const char kPing[] = "PING\r\n";
    if (send(fd, kPing, sizeof(kPing) - 1, MSG_NOSIGNAL) == sizeof(kPing) - 1) {
      pollfd p{fd, POLLIN, 0};
      char buf[16] = {};
      if (poll(&p, 1, 1000) == 1 && recv(fd, buf, sizeof(buf) - 1, 0) > 0) {
        ok = std::strncmp(buf, "+PONG", 5) == 0;
      }
    }
  }
  close(fd);
  return ok;
}

// setpriv prefix that drops to the postgres user when running as root (postgres refuses root).
absl::StatusOr<std::vector<std::string>> PostgresUserPrefix() {
  if (geteuid() != 0) return std::vector<std::string>{};
  if (getpwnam("postgres") == nullptr) {
    return absl::FailedPreconditionError("running as root but there is no `postgres` user");
  }
  return std::vector<std::string>{"setpriv", "--reuid=postgres", "--regid=postgres",
                                  "--init-groups", "--"};
}

absl::Status ChownToPostgres(const std::string& path) {
  if (geteuid() != 0) return absl::OkStatus();
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) return absl::FailedPreconditionError("no `postgres` user");
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return absl::InternalError(absl::StrCat("chown ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------- Redis

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  std::unique_ptr<RedisServer> s(new RedisServer());
  auto dir = MakeTempDir("redis-");
  if (!dir.ok()) return dir.status();
  s->dir_ = *dir;
  absl::Status last;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    s->port_ = FreePort();
    last = s->Launch();
    if (last.ok()) return s;
  }
  return last;
}

RedisServer::~RedisServer() {
  process_.reset();
  RemoveTree(dir_);
}

std::string RedisServer::addr() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status RedisServer::Launch() {
  auto p = Process::Spawn({"redis-server", "--save", "", "--appendonly", "no", "--port",
                           std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
                           "--daemonize", "no", "--protected-mode", "no"});
  if (!p.ok()) return p.status();
  process_ = std::move(*p);
  int port = port_;
  Process* proc = process_.get();
  absl::Status ready = WaitFor([&] { return !proc->Running() || RedisPing(port); }, kStartTimeout,
                               absl::Milliseconds(10));
  if (!ready.ok() || !proc->Running()) {
    std::string tail = proc->LogTail(2000);
    process_->Kill();
    return absl::UnavailableError(
        absl::StrCat("redis-server on port ", port_, " did not become ready:\n", tail));
  }
  return absl::OkStatus();
}

void RedisServer::Kill() {
  if (process_) process_->Kill();
}

absl::Status RedisServer::Restart() {
  Kill();
  return Launch();
}

// ---------------------------------------------------------------------------- PostgreSQL

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  // Under /tmp (not $TEST_TMPDIR, which lives under root's home) so the postgres user can use it.
  auto dir = MakeTempDir("fleet-pg-", /*under_tmp=*/true);
  if (!dir.ok()) return dir.status();
  s->dir_ = *dir;
  if (absl::Status st = ChownToPostgres(s->dir_); !st.ok()) return st;
  auto prefix = PostgresUserPrefix();
  if (!prefix.ok()) return prefix.status();

  std::vector<std::string> argv = *prefix;
  std::vector<std::string> initdb = {absl::StrCat(kPostgresBinDir, "/initdb"),
                                     "-D", s->dir_ + "/data", "-U", "postgres", "--auth=trust",
                                     "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"};
  argv.insert(argv.end(), initdb.begin(), initdb.end());
  std::string log;
  auto code = RunCommand(argv, absl::Seconds(120), &log, s->dir_);
  if (!code.ok()) return code.status();
  if (*code != 0) {
    return absl::InternalError(absl::StrCat("initdb failed (exit ", *code, "):\n", log));
  }
  absl::Status last;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    s->port_ = FreePort();
    last = s->Launch();
    if (last.ok()) return s;
  }
  return last;
}

PostgresServer::~PostgresServer() {
  process_.reset();
  RemoveTree(dir_);
}

std::string PostgresServer::url() const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/postgres");
}

absl::Status PostgresServer::Launch() {
  auto prefix = PostgresUserPrefix();
  if (!prefix.ok()) return prefix.status();
  std::vector<std::string> argv = *prefix;
  std::vector<std::string> rest = {absl::StrCat(kPostgresBinDir, "/postgres"),
                                   "-D", dir_ + "/data",
                                   "-p", std::to_string(port_),
                                   "-c", "listen_addresses=127.0.0.1",
                                   "-c", "unix_socket_directories=" + dir_,
                                   "-c", "fsync=off",
                                   "-c", "synchronous_commit=off",
                                   "-c", "full_page_writes=off",
                                   "-c", "max_connections=60"};
  argv.insert(argv.end(), rest.begin(), rest.end());
  auto p = Process::Spawn(argv, {}, dir_);
  if (!p.ok()) return p.status();
  process_ = std::move(*p);
  Process* proc = process_.get();
  std::vector<std::string> isready = {absl::StrCat(kPostgresBinDir, "/pg_isready"), "-q", "-h",
                                      "127.0.0.1", "-p", std::to_string(port_), "-t", "1"};
  absl::Status ready = WaitFor(
      [&] {
        if (!proc->Running()) return true;
        auto code = RunCommand(isready, absl::Seconds(5));
        return code.ok() && *code == 0;
      },
      kStartTimeout, absl::Milliseconds(50));
  if (!ready.ok() || !proc->Running()) {
    std::string tail = proc->LogTail(3000);
    process_->Kill();
    return absl::UnavailableError(
        absl::StrCat("postgres on port ", port_, " did not become ready:\n", tail));
  }
  return absl::OkStatus();
}

void PostgresServer::Kill() {
  if (process_) process_->Kill();
}

absl::Status PostgresServer::Restart() {
  Kill();
  // A SIGKILLed postmaster leaves postmaster.pid; postgres removes it itself when the pid is dead.
  return Launch();
}

}  // namespace fleet::testing
