#include "libs/pg/pool.h"

#include <poll.h>

#include <algorithm>
#include <map>

#include <pqxx/errorhandler>
#include <pqxx/except>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/pg/errors.h"

namespace fleet::pg {
namespace {

// Adds libpq's connect_timeout to a URL or keyword/value string unless it is already there.
std::string WithConnectTimeout(const std::string& url, absl::Duration timeout) {
  if (absl::StrContains(url, "connect_timeout")) return url;
  int64_t seconds = std::max<int64_t>(2, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  if (absl::StartsWith(url, "postgres://") || absl::StartsWith(url, "postgresql://")) {
    return absl::StrCat(url, absl::StrContains(url, "?") ? "&" : "?", "connect_timeout=", seconds);
  }
  return absl::StrCat(url, " connect_timeout=", seconds);
}

// Drops the server's NOTICE messages (e.g. "relation already exists, skipping") that libpqxx
// would print to stderr; warnings and errors still go through.
class DropNotices : public pqxx::errorhandler {
 public:
  explicit DropNotices(pqxx::connection_base& c) : pqxx::errorhandler(c) {}
  bool operator()(const char msg[]) noexcept override {
    return !absl::StartsWith(msg, "NOTICE:");
  }
};

}  // namespace

struct Pool::Conn {
  Conn(std::unique_ptr<pqxx::connection> c, uint64_t e)
      : conn(std::move(c)), notices(*conn), epoch(e) {}
  // True when the server closed the connection (or sent something unasked) while idle.
  bool LooksDead() const {
    if (!conn->is_open()) return true;
    pollfd p{conn->sock(), POLLIN, 0};
    return p.fd < 0 || poll(&p, 1, 0) != 0;
  }
  std::unique_ptr<pqxx::connection> conn;
  DropNotices notices;  // Declared after conn: unregisters before conn is destroyed.
  uint64_t epoch;
  size_t applied = 0;                      // Entries of statements_ applied so far.
  std::map<std::string, std::string> defined;  // name -> sql defined on this connection.
};

Pool::Pool(Options options)
    : options_(std::move(options)),
      url_(WithConnectTimeout(options_.url, options_.acquire_timeout)) {}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<Pool>> Pool::Connect(const Options& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("pg pool_size must be >= 1");
  if (options.url.empty()) return absl::InvalidArgumentError("pg url is empty");
  std::unique_ptr<Pool> pool(new Pool(options));
  auto conn = pool->Acquire();
  if (!conn.ok()) return conn.status();
  pool->Release(std::move(*conn), /*broken=*/false);
  return pool;
}

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Open(uint64_t epoch) {
  try {
    return std::make_unique<Conn>(std::make_unique<pqxx::connection>(url_), epoch);
  } catch (const std::exception& e) {
    absl::Status st = StatusFromException(e);
    // Any failure to open a connection means the database is not reachable for us now.
    if (st.code() != absl::StatusCode::kUnavailable) {
      return absl::UnavailableError(absl::StrCat("BACKEND_UNAVAILABLE: postgres: ", st.message()));
    }
    return st;
  }
}

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Acquire() {
  std::unique_ptr<Conn> conn;
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    auto can_go = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || busy_ + static_cast<int>(idle_.size()) < options_.pool_size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_go), options_.acquire_timeout)) {
      return absl::UnavailableError(absl::StrCat(
          "BACKEND_UNAVAILABLE: postgres: no free connection within ",
          absl::FormatDuration(options_.acquire_timeout), " (pool_size ", options_.pool_size, ")"));
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
  }
  return opened;
}

void Pool::Release(std::unique_ptr<Conn> conn, bool broken) {
  std::vector<std::unique_ptr<Conn>> to_close;
  absl::MutexLock lock(&mu_);
  --busy_;
  if (broken) {
    // Whatever broke this one (server restart, network) probably broke its siblings too.
    ++epoch_;
    to_close.swap(idle_);
    return;  // Closed after the lock is released.
  }
  if (conn->epoch == epoch_) idle_.push_back(std::move(conn));
}

void Pool::Prepare(std::string name, std::string sql) {
  absl::MutexLock lock(&mu_);
  statements_.emplace_back(std::move(name), std::move(sql));
}

void Pool::ApplyStatements(Conn& c) {
  std::vector<std::pair<std::string, std::string>> todo;
  {
    absl::MutexLock lock(&mu_);
    todo.assign(statements_.begin() + static_cast<long>(c.applied), statements_.end());
    c.applied = statements_.size();
  }
  for (auto& [name, sql] : todo) {
    auto it = c.defined.find(name);
    if (it != c.defined.end()) {
      if (it->second == sql) continue;
      c.conn->unprepare(name);
    }
    c.conn->prepare(name, sql);
    c.defined[name] = sql;
  }
}

template <typename Tx>
absl::Status Pool::Run(const std::function<absl::Status(Tx&)>& fn) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  Conn& c = **conn;
  absl::Status result;
  bool broken = false;
  try {
    ApplyStatements(c);
    Tx tx(*c.conn);
    result = fn(tx);
    if (result.ok()) {
      tx.commit();
    } else {
      try {
        tx.abort();
      } catch (const std::exception& e) {
        broken = IsConnectionFailure(e);  // Keep fn's status; it says why we aborted.
      }
    }
  } catch (const std::exception& e) {
    result = StatusFromException(e);
    broken = IsConnectionFailure(e);
  } catch (...) {
    result = absl::InternalError("postgres: non-standard exception in transaction");
    broken = true;  // Unknown state: do not reuse the connection.
  }
  if (!c.conn->is_open()) broken = true;
  Release(std::move(*conn), broken);
  return result;
}

absl::Status Pool::InTransaction(const std::function<absl::Status(pqxx::work&)>& fn) {
  return Run<pqxx::work>(fn);
}

absl::Status Pool::Read(const std::function<absl::Status(pqxx::nontransaction&)>& fn) {
  return Run<pqxx::nontransaction>(fn);
}

}  // namespace fleet::pg
