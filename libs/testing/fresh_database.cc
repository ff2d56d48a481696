#include "libs/testing/fresh_database.h"

#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/testing/servers.h"

namespace fleet::testing {
namespace {

absl::Mutex mu;
PostgresServer* server ABSL_GUARDED_BY(mu) = nullptr;
int databases ABSL_GUARDED_BY(mu) = 0;

}  // namespace

absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(const std::string& prefix,
                                                         const std::vector<pg::Migration>& migrations,
                                                         int pool_size) {
  std::string admin_url, name;
  {
    absl::MutexLock l(&mu);
    if (server == nullptr) {
      auto started = PostgresServer::Start();
      if (!started.ok()) return started.status();
      server = started->release();
      std::atexit([] { delete server; });
    }
    admin_url = server->url();
    name = absl::StrCat(prefix, ++databases);
  }
  try {  // CREATE DATABASE cannot run inside the pool's transactions.
    pqxx::connection conn(admin_url);
    pqxx::nontransaction tx(conn);
    tx.exec("CREATE DATABASE " + name);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CREATE DATABASE ", name, ": ", e.what()));
  }
  const std::string url = admin_url.substr(0, admin_url.rfind('/') + 1) + name;
  auto pool = pg::Pool::Connect({.url = url, .pool_size = pool_size});
  if (!pool.ok()) return pool.status();
  if (absl::Status st = pg::Migrate(**pool, migrations); !st.ok()) return st;
  return pool;
}

absl::StatusOr<std::unique_ptr<pg::Pool>> ConnectAgain(const pg::Pool& pool, int pool_size) {
  return pg::Pool::Connect({.url = pool.options().url, .pool_size = pool_size});
}

}  // namespace fleet::testing
