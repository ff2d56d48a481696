#include "libs/pg/migrate.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/servers.h"

namespace fleet::pg {
namespace {

using ::testing::HasSubstr;

// Not idempotent on purpose: running any of them twice fails.
std::vector<Migration> Schema() {
  return {
      {2, "add_labels", "ALTER TABLE devices ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';"
                        "CREATE INDEX devices_labels ON devices USING gin (labels);"},
      {1, "devices", "CREATE TABLE devices (id text PRIMARY KEY);"},
      {3, "seed", "INSERT INTO devices (id) VALUES ('gw-1');"},
  };
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = fleet::testing::PostgresServer::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    pool_ = NewPool();
  }
  std::unique_ptr<Pool> NewPool() {
    Options o;
    o.url = server_->url();
    auto p = Pool::Connect(o);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }
  std::vector<std::string> Applied() {
    std::vector<std::string> out;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                  for (const auto& row : tx.exec("SELECT version, name, checksum FROM "
                                                 "schema_migrations ORDER BY version")) {
                    out.push_back(row[0].as<std::string>() + ":" + row[1].as<std::string>());
                    EXPECT_EQ(row[2].as<std::string>().size(), 64u);
                  }
                  return absl::OkStatus();
                }).ok());
    return out;
  }
  int64_t Devices() {
    int64_t n = -1;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                  n = tx.exec("SELECT count(*) FROM devices")[0][0].as<int64_t>();
                  return absl::OkStatus();
                }).ok());
    return n;
  }

  std::unique_ptr<fleet::testing::PostgresServer> server_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(MigrateTest, AppliesInOrderAndTwiceIsNoop) {
  ASSERT_TRUE(Migrate(*pool_, Schema()).ok());
  EXPECT_EQ(Applied(), (std::vector<std::string>{"1:devices", "2:add_labels", "3:seed"}));
  EXPECT_EQ(Devices(), 1);
  absl::Status again = Migrate(*pool_, Schema());
  EXPECT_TRUE(again.ok()) << again;
  EXPECT_EQ(Devices(), 1);
  // A later binary adds a migration: only it runs.
  auto more = Schema();
  more.push_back({4, "seed2", "INSERT INTO devices (id) VALUES ('gw-2');"});
  ASSERT_TRUE(Migrate(*pool_, more).ok());
  EXPECT_EQ(Devices(), 2);
  // An older binary (fewer migrations) still starts.
  EXPECT_TRUE(Migrate(*pool_, Schema()).ok());
}

TEST_F(MigrateTest, ConcurrentFromTwoThreadsAndPools) {
  auto other = NewPool();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 3; ++round) {
    auto more = Schema();
    for (int v = 10; v < 10 + round * 5; ++v) {
      more.push_back({v, "seed" + std::to_string(v),
                      "INSERT INTO devices (id) VALUES ('d" + std::to_string(v) + "');"});
    }
    absl::Status a, b;
    std::thread ta([&] { a = Migrate(*pool_, more); });
    std::thread tb([&] { b = Migrate(*other, more); });
    ta.join();
    tb.join();
    EXPECT_TRUE(a.ok()) << a;
    EXPECT_TRUE(b.ok()) << b;
    EXPECT_EQ(Devices(), 1 + round * 5);
    EXPECT_EQ(Applied().size(), 3u + round * 5);
  }
}

TEST_F(MigrateTest, ChangedMigrationIsFailedPrecondition) {
  ASSERT_TRUE(Migrate(*pool_, Schema()).ok());
  auto edited = Schema();
  edited[2].sql = "INSERT INTO devices (id) VALUES ('gw-9');";
  edited.push_back({4, "later", "CREATE TABLE later (x int);"});
  absl::Status st = Migrate(*pool_, edited);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(st.message(), HasSubstr("migration 3 (seed)"));
  EXPECT_EQ(Applied().size(), 3u) << "nothing applied after a mismatch";
}

TEST_F(MigrateTest, FailingMigrationKeepsEarlierOnesAndRollsBackItself) {
  std::vector<Migration> ms = {
      {1, "ok", "CREATE TABLE a (x int);"},
      {2, "bad", "CREATE TABLE b (x int); SELEC broken;"},
  };
  absl::Status st = Migrate(*pool_, ms);
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("migration 2 (bad)"));
  EXPECT_EQ(Applied(), (std::vector<std::string>{"1:ok"}));
  // Table b was rolled back with its migration: fixing it lets it apply.
  ms[1].sql = "CREATE TABLE b (x int);";
  EXPECT_TRUE(Migrate(*pool_, ms).ok());
}

TEST_F(MigrateTest, RejectsBadVersions) {
  EXPECT_EQ(Migrate(*pool_, {{0, "zero", "SELECT 1"}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Migrate(*pool_, {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MigrationChecksumTest, IsSha256Hex) {
  // printf 'abc' | sha256sum
  EXPECT_EQ(MigrationChecksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace fleet::pg
