// The same history scenarios against the in-memory model and PostgreSQL: they must agree.
#include <memory>

#include "absl/strings/str_cat.h"

#include "gtest/gtest.h"
#include "libs/testing/servers.h"
#include "services/device-online/domain/memory_history.h"
#include "services/device-online/storage/pg_history.h"

namespace fleet::online {
namespace {

class HistoryContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      memory_ = std::make_unique<MemoryPresenceHistory>();
      sink_ = memory_.get();
      history_ = memory_.get();
      return;
    }
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto pool = pg::Pool::Connect({.url = server_->url()});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    ASSERT_TRUE(pg::Migrate(*pool_, PresenceMigrations()).ok());
    pg_ = std::make_unique<PgPresenceHistory>(*pool_);
    sink_ = pg_.get();
    history_ = pg_.get();
  }

  std::vector<std::string> Ids(const PresenceHistory::Page& page) {
    std::vector<std::string> out;
    for (const Transition& t : page.items) out.push_back(t.id);
    return out;
  }

  // Microsecond-aligned, as PostgreSQL stores them.
  const absl::Time t0_ = absl::FromUnixMicros(1'800'000'000'123'456);
  std::unique_ptr<MemoryPresenceHistory> memory_;
  std::unique_ptr<testing::PostgresServer> server_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgPresenceHistory> pg_;
  TransitionSink* sink_ = nullptr;
  PresenceHistory* history_ = nullptr;
};

TEST_P(HistoryContractTest, NewestFirstWithTiesInIdByteOrderAndIdempotent) {
  const std::vector<Transition> ts = {
      {"1-0", "gw:1", State::kOnline, t0_, t0_, "uplink"},
      {"9-0", "gw:1", State::kOffline, t0_ + absl::Seconds(90), t0_, "timeout"},
      {"10-0", "gw:1", State::kOnline, t0_ + absl::Seconds(90), t0_ + absl::Seconds(90), "uplink"},
      {"2-0", "other", State::kOnline, t0_ + absl::Hours(1), t0_, "uplink"},
  };
  ASSERT_TRUE(sink_->Publish(ts).ok());
  ASSERT_TRUE(sink_->Publish({ts[0], ts[1]}).ok());  // redelivery
  auto page = history_->ListForDevice({.device_id = "gw:1", .limit = 10});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_FALSE(page->more);
  // Same time: "9-0" > "10-0" byte-wise, so it comes first.
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"9-0", "10-0", "1-0"}));
  const Transition& off = page->items[0];
  EXPECT_EQ(off.device_id, "gw:1");
  EXPECT_EQ(off.state, State::kOffline);
  EXPECT_EQ(off.time, t0_ + absl::Seconds(90));
  EXPECT_EQ(off.last_seen, t0_);
  EXPECT_EQ(off.cause, "timeout");

  auto none = history_->ListForDevice({.device_id = "never", .limit = 10});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->items.empty());
  EXPECT_FALSE(none->more);
}

TEST_P(HistoryContractTest, CursorPagesVisitEveryTransitionOnceAcrossTies) {
  std::vector<Transition> ts;
  for (int i = 0; i < 11; ++i) {
    // Pairs share a time, so page boundaries fall between equal times.
    const absl::Time at = t0_ + absl::Microseconds(i / 2);
    ts.push_back({"t" + std::to_string(100 + i), "d", i % 2 ? State::kOffline : State::kOnline, at, at, "uplink"});
  }
  ASSERT_TRUE(sink_->Publish(ts).ok());
  std::vector<std::string> seen;
  PresenceHistory::Query q{.device_id = "d", .limit = 3};
  int pages = 0;
  while (true) {
    auto page = history_->ListForDevice(q);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->items.size(), 3u);
    ++pages;
    for (const Transition& t : page->items) seen.push_back(t.id);
    if (!page->more) break;
    q.after = PresenceHistory::Cursor{page->items.back().time, page->items.back().id};
  }
  EXPECT_EQ(pages, 4);
  std::vector<std::string> want;
  for (int i = 10; i >= 0; --i) want.push_back("t" + std::to_string(100 + i));
  EXPECT_EQ(seen, want);
}

TEST_P(HistoryContractTest, SinceIsInclusiveAndCombinesWithCursor) {
  std::vector<Transition> ts;
  for (int i = 0; i < 6; ++i) {
    ts.push_back({absl::StrCat("s", i), "d", State::kOnline, t0_ + absl::Minutes(i), t0_, "uplink"});
  }
  ASSERT_TRUE(sink_->Publish(ts).ok());
  auto page = history_->ListForDevice({.device_id = "d", .since = t0_ + absl::Minutes(3), .limit = 2});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"s5", "s4"}));
  EXPECT_TRUE(page->more);
  auto rest = history_->ListForDevice({.device_id = "d",
                                       .since = t0_ + absl::Minutes(3),
                                       .after = PresenceHistory::Cursor{t0_ + absl::Minutes(4), "s4"},
                                       .limit = 2});
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(Ids(*rest), (std::vector<std::string>{"s3"}));
  EXPECT_FALSE(rest->more);
  auto exact = history_->ListForDevice({.device_id = "d", .limit = 2});
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->more);  // 6 rows, limit 2
}

INSTANTIATE_TEST_SUITE_P(Stores, HistoryContractTest, ::testing::Values("memory", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::online
