#include "libs/redis/client.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/redis/sigpipe.h"

namespace fleet::redis {
namespace {

Reply Convert(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(r->integer);
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> items;
      items.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) items.push_back(Convert(r->element[i]));
      return Reply::Array(std::move(items));
    }
    default:
      return Reply::Nil();
  }
}

void BuildArgv(const std::vector<std::string>& argv, std::vector<const char*>* ptrs,
               std::vector<size_t>* lens) {
  ptrs->clear();
  lens->clear();
  for (const auto& a : argv) {
    ptrs->push_back(a.data());
    lens->push_back(a.size());
  }
}

}  // namespace

struct Client::Conn {
  explicit Conn(redisContext* c, uint64_t e) : ctx(c), epoch(e) {}
  ~Conn() {
    if (ctx != nullptr) redisFree(ctx);
  }
  // True when the server closed the connection or sent something unasked while it was idle.
  bool LooksDead() const {
    if (ctx->err != 0) return true;
    pollfd p{ctx->fd, POLLIN, 0};
    return poll(&p, 1, 0) != 0;
  }
  redisContext* ctx;
  uint64_t epoch;
};

absl::StatusOr<Options> OptionsFromAddr(const std::string& addr) {
  size_t colon = addr.rfind(':');
  Options o;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(addr.substr(colon + 1), &o.port) || o.port <= 0 || o.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("redis address \"", addr, "\" is not host:port"));
  }
  o.host = addr.substr(0, colon);
  return o;
}

Client::Client(Options options) : options_(std::move(options)) {}

Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const Options& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("redis pool_size must be >= 1");
  std::unique_ptr<Client> client(new Client(options));
  auto pong = client->Command({"PING"});
  if (!pong.ok()) return pong.status();
  return client;
}

absl::Status Client::Unavailable(const std::string& what) const {
  return absl::UnavailableError(absl::StrCat("BACKEND_UNAVAILABLE: redis at ", options_.host, ":",
                                             options_.port, ": ", what));
}

absl::StatusOr<std::unique_ptr<Client::Conn>> Client::Open(uint64_t epoch) {
  redisContext* ctx = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                              absl::ToTimeval(options_.connect_timeout));
  if (ctx == nullptr) return Unavailable("cannot allocate connection");
  auto conn = std::make_unique<Conn>(ctx, epoch);
  if (ctx->err != 0) return Unavailable(absl::StrCat("connect: ", ctx->errstr));
  if (redisSetTimeout(ctx, absl::ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Unavailable(absl::StrCat("set timeout: ", ctx->errstr));
  }
  redisEnableKeepAlive(ctx);
  return conn;
}

absl::StatusOr<std::unique_ptr<Client::Conn>> Client::Acquire() {
  std::unique_ptr<Conn> conn;
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    auto can_go = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || busy_ + static_cast<int>(idle_.size()) < options_.pool_size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_go), options_.command_timeout)) {
      return Unavailable(absl::StrCat("no free connection within ",
                                      absl::FormatDuration(options_.command_timeout),
                                      " (pool_size ", options_.pool_size, ")"));
    }
    ++busy_;
    epoch = epoch_;
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (conn != nullptr && !conn->LooksDead()) return conn;
  conn.reset();
  auto opened = Open(epoch);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --busy_;
    return opened.status();
  }
  return opened;
}

void Client::Release(std::unique_ptr<Conn> conn, bool broken) {
  std::vector<std::unique_ptr<Conn>> to_close;
  absl::MutexLock lock(&mu_);
  --busy_;
  if (broken) {
    // Whatever broke this one (server restart, network) probably broke its siblings too.
    ++epoch_;
    to_close.swap(idle_);
    return;  // `conn` and `to_close` close after the lock is released (reverse declaration order).
  }
  if (conn->epoch == epoch_) idle_.push_back(std::move(conn));
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty redis command");
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  BuildArgv(argv, &ptrs, &lens);
  redisReply* raw;
  {
    ScopedSigpipeBlock block;
    raw = static_cast<redisReply*>(
        redisCommandArgv((*conn)->ctx, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
  }
  if (raw == nullptr) {
    absl::Status st = Unavailable(absl::StrCat(argv[0], ": ", (*conn)->ctx->errstr));
    Release(std::move(*conn), /*broken=*/true);
    return st;
  }
  Reply reply = Convert(raw);
  freeReplyObject(raw);
  Release(std::move(*conn), /*broken=*/false);
  if (reply.is_error()) {
    return absl::InternalError(absl::StrCat("redis ", argv[0], ": ", reply.str()));
  }
  return reply;
}

absl::StatusOr<std::vector<Reply>> Client::Pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  std::vector<Reply> replies;
  if (cmds.empty()) return replies;
  for (const auto& c : cmds) {
    if (c.empty()) return absl::InvalidArgumentError("empty redis command in pipeline");
  }
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  redisContext* ctx = (*conn)->ctx;
  replies.reserve(cmds.size());
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  bool failed = false;
  {
    ScopedSigpipeBlock block;
    for (const auto& c : cmds) {
      BuildArgv(c, &ptrs, &lens);
      if (redisAppendCommandArgv(ctx, static_cast<int>(c.size()), ptrs.data(), lens.data()) !=
          REDIS_OK) {
        failed = true;
        break;
      }
    }
    for (size_t i = 0; !failed && i < cmds.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx, &raw) != REDIS_OK || raw == nullptr) {
        failed = true;
        break;
      }
      replies.push_back(Convert(static_cast<redisReply*>(raw)));
      freeReplyObject(raw);
    }
  }
  if (failed) {
    absl::Status st = Unavailable(absl::StrCat("pipeline of ", cmds.size(), " commands failed after ",
                                               replies.size(), " replies: ", ctx->errstr));
    Release(std::move(*conn), /*broken=*/true);
    return st;
  }
  Release(std::move(*conn), /*broken=*/false);
  return replies;
}

}  // namespace fleet::redis
