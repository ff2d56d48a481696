#include "libs/pg/pool.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/servers.h"

namespace fleet::pg {
namespace {

using ::testing::HasSubstr;

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = fleet::testing::PostgresServer::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto p = Pool::Connect(Opts());
    ASSERT_TRUE(p.ok()) << p.status();
    pool_ = std::move(*p);
    ASSERT_TRUE(Exec("CREATE TABLE devices (id text PRIMARY KEY, n int NOT NULL DEFAULT 0)").ok());
  }
  Options Opts() const {
    Options o;
    o.url = server_->url();
    return o;
  }
  absl::Status Exec(const std::string& sql) {
    return pool_->InTransaction([&](pqxx::work& tx) {
      tx.exec(sql);
      return absl::OkStatus();
    });
  }
  int64_t Count(const std::string& table) {
    int64_t n = -1;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                  n = tx.exec("SELECT count(*) FROM " + table)[0][0].as<int64_t>();
                  return absl::OkStatus();
                }).ok());
    return n;
  }

  std::unique_ptr<fleet::testing::PostgresServer> server_;
  std::unique_ptr<Pool> pool_;
};

TEST(PoolConnectTest, UnreachableIsUnavailable) {
  Options o;
  o.url = "postgresql://postgres@127.0.0.1:" + std::to_string(fleet::testing::FreePort()) + "/x";
  absl::Time start = absl::Now();
  auto p = Pool::Connect(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(p.status().message(), HasSubstr("BACKEND_UNAVAILABLE"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  o.url = "";
  EXPECT_EQ(Pool::Connect(o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PoolTest, PreparedStatementsCommitAndRollback) {
  pool_->Prepare("insert_device", "INSERT INTO devices (id) VALUES ($1)");
  pool_->Prepare("get_n", "SELECT n FROM devices WHERE id = $1");
  ASSERT_TRUE(pool_->InTransaction([](pqxx::work& tx) {
                     tx.exec_prepared("insert_device", "gw-1");
                     return absl::OkStatus();
                   }).ok());
  // A non-OK status rolls back and is returned as is.
  absl::Status st = pool_->InTransaction([](pqxx::work& tx) {
    tx.exec_prepared("insert_device", "gw-2");
    return absl::NotFoundError("changed my mind");
  });
  EXPECT_EQ(st, absl::NotFoundError("changed my mind"));
  EXPECT_EQ(Count("devices"), 1);
  int n = -1;
  ASSERT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                     n = tx.exec_prepared("get_n", "gw-1")[0][0].as<int>();
                     return absl::OkStatus();
                   }).ok());
  EXPECT_EQ(n, 0);
  // Redefining a name replaces it on connections that already had it.
  pool_->Prepare("get_n", "SELECT n + 100 FROM devices WHERE id = $1");
  ASSERT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                     n = tx.exec_prepared("get_n", "gw-1")[0][0].as<int>();
                     return absl::OkStatus();
                   }).ok());
  EXPECT_EQ(n, 100);
}

TEST_F(PoolTest, ReadRunsPreparedStatementsWithoutATransaction) {
  pool_->Prepare("insert_device", "INSERT INTO devices (id) VALUES ($1)");
  pool_->Prepare("get_n", "SELECT n FROM devices WHERE id = $1");
  ASSERT_TRUE(Exec("INSERT INTO devices (id, n) VALUES ('gw-1', 7)").ok());
  int n = -1;
  ASSERT_TRUE(pool_->Read([&](pqxx::nontransaction& tx) {
                     n = tx.exec_prepared("get_n", "gw-1")[0][0].as<int>();
                     // No BEGIN was sent: the session is outside a transaction block.
                     EXPECT_EQ(tx.exec("SELECT now() = statement_timestamp()")[0][0].as<bool>(), true);
                     return absl::OkStatus();
                   }).ok());
  EXPECT_EQ(n, 7);
  // Autocommit: a write made before a non-OK status is not rolled back (the contract says reads).
  absl::Status st = pool_->Read([](pqxx::nontransaction& tx) {
    tx.exec_prepared("insert_device", "gw-2");
    return absl::NotFoundError("after the insert");
  });
  EXPECT_EQ(st, absl::NotFoundError("after the insert"));
  EXPECT_EQ(Count("devices"), 2);
  // SQL errors are converted like in InTransaction, and the connection stays usable.
  absl::Status missing = pool_->Read([](pqxx::nontransaction& tx) {
    tx.exec("SELECT * FROM nope");
    return absl::OkStatus();
  });
  EXPECT_EQ(missing.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(missing.message(), HasSubstr("42P01"));
  EXPECT_EQ(Count("devices"), 2);
}

TEST_F(PoolTest, ErrorMapping) {
  ASSERT_TRUE(Exec("INSERT INTO devices (id) VALUES ('a')").ok());
  absl::Status dup = Exec("INSERT INTO devices (id) VALUES ('a')");
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;

  absl::Status syntax = Exec("SELEC 1");
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(syntax.message(), HasSubstr("SQLSTATE 42601"));

  absl::Status missing = Exec("SELECT * FROM nope");
  EXPECT_EQ(missing.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(missing.message(), HasSubstr("42P01"));

  absl::Status serial = Exec("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
  EXPECT_EQ(serial.code(), absl::StatusCode::kAborted) << serial;
  absl::Status deadlock = Exec("DO $$ BEGIN RAISE EXCEPTION 'dl' USING ERRCODE = '40P01'; END $$");
  EXPECT_EQ(deadlock.code(), absl::StatusCode::kAborted) << deadlock;

  // Errors raised while converting results (not SQL errors) are INTERNAL too.
  absl::Status conv = pool_->InTransaction([](pqxx::work& tx) {
    tx.exec("SELECT NULL::int")[0][0].as<int>();
    return absl::OkStatus();
  });
  EXPECT_EQ(conv.code(), absl::StatusCode::kInternal);

  // The pool is still healthy.
  EXPECT_EQ(Count("devices"), 1);
}

TEST_F(PoolTest, RealDeadlockIsAborted) {
  ASSERT_TRUE(Exec("INSERT INTO devices (id) VALUES ('x'), ('y')").ok());
  ASSERT_TRUE(Exec("ALTER DATABASE postgres SET deadlock_timeout = '100ms'").ok());
  std::atomic<int> locked{0};
  absl::Status results[2];
  auto worker = [&](int i, const char* first, const char* second) {
    results[i] = pool_->InTransaction([&](pqxx::work& tx) {
      tx.exec(std::string("SELECT * FROM devices WHERE id = '") + first + "' FOR UPDATE");
      ++locked;
      while (locked.load() < 2) absl::SleepFor(absl::Milliseconds(5));
      tx.exec(std::string("SELECT * FROM devices WHERE id = '") + second + "' FOR UPDATE");
      return absl::OkStatus();
    });
  };
  // Fresh pool so the new deadlock_timeout applies to its connections.
  auto p = Pool::Connect(Opts());
  ASSERT_TRUE(p.ok());
  pool_ = std::move(*p);
  std::thread a(worker, 0, "x", "y"), b(worker, 1, "y", "x");
  a.join();
  b.join();
  EXPECT_TRUE(results[0].ok() != results[1].ok()) << results[0] << " / " << results[1];
  for (auto& r : results) {
    if (!r.ok()) {
      EXPECT_EQ(r.code(), absl::StatusCode::kAborted) << r;
    }
  }
}

TEST_F(PoolTest, ConcurrentTransactionsFromEightThreads) {
  ASSERT_TRUE(Exec("INSERT INTO devices (id) VALUES ('c')").ok());
  pool_->Prepare("bump", "UPDATE devices SET n = n + 1 WHERE id = $1");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        absl::Status st = pool_->InTransaction([](pqxx::work& tx) {
          tx.exec_prepared("bump", "c");
          return absl::OkStatus();
        });
        if (!st.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  int n = 0;
  ASSERT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                     n = tx.exec("SELECT n FROM devices WHERE id = 'c'")[0][0].as<int>();
                     int conns = tx.exec("SELECT count(*) FROM pg_stat_activity WHERE "
                                         "backend_type = 'client backend'")[0][0]
                                     .as<int>();
                     EXPECT_LE(conns, 4);
                     return absl::OkStatus();
                   }).ok());
  EXPECT_EQ(n, 400);
}

TEST_F(PoolTest, AcquireTimeoutIsUnavailable) {
  Options o = Opts();
  o.pool_size = 1;
  o.acquire_timeout = absl::Milliseconds(200);
  auto p = Pool::Connect(o);
  ASSERT_TRUE(p.ok());
  std::atomic<bool> inside{false}, release{false};
  std::thread holder([&] {
    (void)(*p)->InTransaction([&](pqxx::work&) {
      inside = true;
      while (!release) absl::SleepFor(absl::Milliseconds(5));
      return absl::OkStatus();
    });
  });
  while (!inside) absl::SleepFor(absl::Milliseconds(5));
  absl::Status st = (*p)->InTransaction([](pqxx::work&) { return absl::OkStatus(); });
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(st.message(), HasSubstr("no free connection"));
  release = true;
  holder.join();
  EXPECT_TRUE((*p)->InTransaction([](pqxx::work&) { return absl::OkStatus(); }).ok());
}

TEST_F(PoolTest, KilledServerIsUnavailableThenRecovers) {
  pool_->Prepare("count", "SELECT count(*) FROM devices");
  ASSERT_TRUE(Exec("INSERT INTO devices (id) VALUES ('k')").ok());
  // The test server runs with synchronous_commit=off: flush so a SIGKILL loses nothing.
  ASSERT_TRUE(Exec("CHECKPOINT").ok());
  // Mid-transaction: the server dies under a running statement.
  absl::Status st = pool_->InTransaction([&](pqxx::work& tx) {
    tx.exec("SELECT 1");
    server_->Kill();
    tx.exec("SELECT 2");
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_THAT(st.message(), HasSubstr("BACKEND_UNAVAILABLE"));
  // While down: every call fails fast with UNAVAILABLE.
  for (int i = 0; i < 3; ++i) {
    st = pool_->InTransaction([](pqxx::work& tx) {
      tx.exec_prepared("count");
      return absl::OkStatus();
    });
    EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  }
  ASSERT_TRUE(server_->Restart().ok());
  int64_t n = -1;
  st = pool_->InTransaction([&](pqxx::work& tx) {
    n = tx.exec_prepared("count")[0][0].as<int64_t>();  // Re-prepared on the new connection.
    return absl::OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(n, 1);
}

TEST_F(PoolTest, RestartWhileIdleIsInvisible) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { (void)Count("devices"); });
  for (auto& th : threads) th.join();
  ASSERT_TRUE(Exec("CHECKPOINT").ok());  // synchronous_commit=off: keep the table across Kill.
  server_->Kill();
  ASSERT_TRUE(server_->Restart().ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Count("devices"), 0);
}

}  // namespace
}  // namespace fleet::pg
