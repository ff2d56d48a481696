#include "services/device-online/storage/pg_history.h"

#include "gtest/gtest.h"
#include "libs/testing/servers.h"

namespace fleet::online {
namespace {

TEST(PgPresenceHistoryTest, AppendsIdempotentlyAndReadsBackNewestFirst) {
  auto server = testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto pool = pg::Pool::Connect({.url = (*server)->url()});
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE(pg::Migrate(**pool, PresenceMigrations()).ok());
  ASSERT_TRUE(pg::Migrate(**pool, PresenceMigrations()).ok());  // twice is fine
  PgPresenceHistory history(**pool);

  const absl::Time t0 = absl::FromUnixMillis(1'800'000'000'123);
  std::vector<Transition> ts = {
      {"1-0", "dev \"quoted\"", State::kOnline, t0, t0, "uplink"},
      {"2-0", "dev \"quoted\"", State::kOffline, t0 + absl::Seconds(90), t0, "timeout"},
      {"3-0", "other", State::kOnline, t0, t0, "uplink"},
  };
  ASSERT_TRUE(history.Publish(ts).ok());
  ASSERT_TRUE(history.Publish(ts).ok());  // redelivery: no duplicates, no error

  auto rows = history.ForDevice("dev \"quoted\"", 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, "2-0");
  EXPECT_EQ((*rows)[0].state, State::kOffline);
  EXPECT_EQ((*rows)[0].time, t0 + absl::Seconds(90));
  EXPECT_EQ((*rows)[0].last_seen, t0);
  EXPECT_EQ((*rows)[0].cause, "timeout");
  EXPECT_EQ((*rows)[1].id, "1-0");
}

TEST(PgPresenceHistoryTest, UnreachableDatabaseIsUnavailable) {
  auto server = testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto pool = pg::Pool::Connect({.url = (*server)->url(), .acquire_timeout = absl::Seconds(2)});
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(pg::Migrate(**pool, PresenceMigrations()).ok());
  PgPresenceHistory history(**pool);
  (*server)->Kill();
  absl::Status st = history.Publish({{"1-0", "d", State::kOnline, absl::Now(), absl::Now(), "uplink"}});
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(history.ListForDevice({.device_id = "d"}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::online
