// The same scenarios against the in-memory model and the real Redis store: they must agree.
#include <memory>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "libs/redis/client.h"
#include "libs/testing/servers.h"
#include "libs/clock/fake_clock.h"
#include "services/device-online/domain/memory_store.h"
#include "services/device-online/storage/redis_presence_store.h"

namespace fleet::online {
namespace {

struct Stores {
  PresenceStore* presence;
  TransitionOutbox* outbox;
  WatermarkStore* watermarks;
};

class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      memory_ = std::make_unique<MemoryStore>(clock_);
      s_ = {memory_.get(), memory_.get(), memory_.get()};
      return;
    }
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    redis::Options o;
    o.port = server_->port();
    auto client = redis::Client::Connect(o);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
    // A large resolution: the sweep index lags last-seen, which the sweeper must see through.
    redis_ = std::make_unique<RedisPresenceStore>(*client_, "t", absl::Minutes(10));
    s_ = {redis_.get(), redis_.get(), redis_.get()};
  }

  // Millisecond-aligned times: Redis stores milliseconds.
  absl::Time Now() { return absl::FromUnixMillis(absl::ToUnixMillis(clock_.Now())); }
  Sighting Seen(std::string id, absl::Duration ago = absl::ZeroDuration(), double cpu = 0) {
    Sighting s{std::move(id), Now() - ago, {}};
    if (cpu != 0) s.board.cpu_percent = cpu;
    return s;
  }
  // Claims and acknowledges everything pending, in outbox order.
  std::vector<Transition> Drain(const std::string& consumer = "c1") {
    std::vector<Transition> all;
    while (true) {
      auto got = s_.outbox->Claim(consumer, 500, absl::Seconds(15));
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok() || got->empty()) return all;
      std::vector<std::string> ids;
      for (const auto& t : *got) ids.push_back(t.id);
      EXPECT_TRUE(s_.outbox->Ack(ids).ok());
      all.insert(all.end(), got->begin(), got->end());
    }
  }

  FakeClock clock_;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisPresenceStore> redis_;
  Stores s_;
};

TEST_P(ContractTest, TouchCreatesOnlineDeviceWithBoardAndOneTransition) {
  Sighting s = Seen("d1", absl::Seconds(1), 12.5);
  s.board.firmware_version = "1.2.3";
  s.board.signal_dbm = -71;
  ASSERT_TRUE(s_.presence->Touch({s}, Now()).ok());
  ASSERT_TRUE(s_.presence->Touch({Seen("d1")}, Now()).ok());
  auto p = s_.presence->Get("d1");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->state, State::kOnline);
  EXPECT_EQ((*p)->last_seen, Now());
  EXPECT_EQ(*(*p)->board.cpu_percent, 12.5);
  EXPECT_EQ(*(*p)->board.firmware_version, "1.2.3");
  EXPECT_EQ(*(*p)->board.signal_dbm, -71);
  auto ts = Drain();
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].device_id, "d1");
  EXPECT_EQ(ts[0].state, State::kOnline);
  EXPECT_EQ(ts[0].cause, "uplink");
  EXPECT_FALSE(ts[0].id.empty());
}

TEST_P(ContractTest, LastSeenNeverMovesBackward) {
  ASSERT_TRUE(s_.presence->Touch({Seen("d1", absl::Seconds(1), 5)}, Now()).ok());
  ASSERT_TRUE(s_.presence->Touch({Seen("d1", absl::Seconds(9), 7)}, Now()).ok());
  auto p = **s_.presence->Get("d1");
  EXPECT_EQ(p.last_seen, Now() - absl::Seconds(1));
  EXPECT_EQ(*p.board.cpu_percent, 5);
}

TEST_P(ContractTest, SweepMarksOfflineOnceOldestFirstWithinLimit) {
  ASSERT_TRUE(s_.presence->Touch({Seen("a", absl::Seconds(50)), Seen("b", absl::Seconds(40)),
                                  Seen("c", absl::Seconds(5))},
                                 Now())
                  .ok());
  Drain();
  auto n = s_.presence->SweepOffline(Now() - absl::Seconds(30), Now(), 1);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ((**s_.presence->Get("a")).state, State::kOffline);
  EXPECT_EQ((**s_.presence->Get("b")).state, State::kOnline);
  EXPECT_EQ(*s_.presence->SweepOffline(Now() - absl::Seconds(30), Now(), 10), 1);
  EXPECT_EQ(*s_.presence->SweepOffline(Now() - absl::Seconds(30), Now(), 10), 0);
  auto ts = Drain();
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].device_id, "a");
  EXPECT_EQ(ts[0].state, State::kOffline);
  EXPECT_EQ(ts[0].cause, "timeout");
  EXPECT_EQ(ts[0].last_seen, Now() - absl::Seconds(50));
  EXPECT_EQ(ts[1].device_id, "b");
  // Back online.
  ASSERT_TRUE(s_.presence->Touch({Seen("a")}, Now()).ok());
  ts = Drain();
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].state, State::kOnline);
}

TEST_P(ContractTest, SweepJudgesRealLastSeenNotAStaleIndex) {
  // Seen long ago, then often: with a 10 min index resolution the Redis index still says
  // "long ago". Nobody who spoke recently may go offline, and many such devices must not stop
  // the sweep from reaching a silent one behind them.
  std::vector<Sighting> first;
  for (int i = 0; i < 30; ++i) first.push_back(Seen("busy-" + std::to_string(i), absl::Minutes(5)));
  first.push_back(Seen("silent", absl::Minutes(4)));
  ASSERT_TRUE(s_.presence->Touch(first, Now()).ok());
  std::vector<Sighting> again;
  for (int i = 0; i < 30; ++i) again.push_back(Seen("busy-" + std::to_string(i)));
  ASSERT_TRUE(s_.presence->Touch(again, Now()).ok());
  auto n = s_.presence->SweepOffline(Now() - absl::Minutes(1), Now(), 5);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ((**s_.presence->Get("silent")).state, State::kOffline);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ((**s_.presence->Get("busy-" + std::to_string(i))).state, State::kOnline) << i;
  }
  EXPECT_EQ(*s_.presence->SweepOffline(Now() - absl::Minutes(1), Now(), 5), 0);
  // Once really silent, they go.
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*s_.presence->SweepOffline(Now() - absl::Minutes(1), Now(), 100), 30);
}

TEST_P(ContractTest, ListPagesByIdWithFilterAndTotals) {
  std::vector<Sighting> all;
  for (int i = 0; i < 30; ++i) all.push_back(Seen("dev-" + std::to_string(100 + i), absl::Seconds(i < 10 ? 60 : 1)));
  ASSERT_TRUE(s_.presence->Touch(all, Now()).ok());
  ASSERT_EQ(*s_.presence->SweepOffline(Now() - absl::Seconds(30), Now(), 100), 10);
  std::set<std::string> seen;
  std::string after;
  while (true) {
    auto page = s_.presence->List(StateFilter::kOnline, after, 7);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 20);
    for (const auto& p : page->items) {
      EXPECT_EQ(p.state, State::kOnline);
      EXPECT_GT(p.device_id, after);
      seen.insert(p.device_id);
    }
    if (!page->more) break;
    after = page->items.back().device_id;
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(s_.presence->List(StateFilter::kOffline, "", 100)->items.size(), 10u);
  EXPECT_EQ(s_.presence->List(StateFilter::kAll, "", 100)->total, 30);
}

TEST_P(ContractTest, BatchGetSkipsUnknown) {
  ASSERT_TRUE(s_.presence->Touch({Seen("x"), Seen("y")}, Now()).ok());
  auto got = s_.presence->BatchGet(std::vector<std::string>{"y", "nope", "x"});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].device_id, "y");
  EXPECT_EQ((*got)[1].device_id, "x");
}

TEST_P(ContractTest, UnackedClaimIsRedeliveredToOwnerAndStolenAfterIdle) {
  ASSERT_TRUE(s_.presence->Touch({Seen("d1")}, Now()).ok());
  auto first = s_.outbox->Claim("dead", 10, absl::Milliseconds(300));
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(s_.outbox->Claim("other", 10, absl::Milliseconds(300))->size(), 0u);
  EXPECT_EQ(s_.outbox->Claim("dead", 10, absl::Milliseconds(300))->size(), 1u);  // own retry
  clock_.Advance(absl::Milliseconds(400));                 // memory model's idle clock
  absl::SleepFor(absl::Milliseconds(400));                 // Redis' idle clock
  auto stolen = s_.outbox->Claim("other", 10, absl::Milliseconds(300));
  ASSERT_EQ(stolen->size(), 1u);
  EXPECT_EQ((*stolen)[0].id, (*first)[0].id);
  ASSERT_TRUE(s_.outbox->Ack({(*stolen)[0].id}).ok());
  EXPECT_EQ(s_.outbox->Claim("dead", 10, absl::Milliseconds(300))->size(), 0u);
}

TEST_P(ContractTest, WatermarksRoundTrip) {
  ASSERT_TRUE(s_.watermarks->Report({{"edge.up/0", Now()}, {"edge.up/1", Now() - absl::Seconds(3)}}).ok());
  ASSERT_TRUE(s_.watermarks->Report({{"edge.up/1", Now()}}).ok());
  auto all = s_.watermarks->GetAll();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)["edge.up/1"], Now());
}

TEST_P(ContractTest, ConcurrentSweepsMarkEachDeviceOfflineExactlyOnce) {
  std::vector<Sighting> all;
  for (int i = 0; i < 2000; ++i) all.push_back(Seen("d" + std::to_string(i), absl::Minutes(5)));
  ASSERT_TRUE(s_.presence->Touch(all, Now()).ok());
  Drain();
  std::atomic<int> total{0};
  std::vector<std::thread> sweepers;
  for (int t = 0; t < 4; ++t) {
    sweepers.emplace_back([&] {
      while (true) {
        auto n = s_.presence->SweepOffline(Now() - absl::Minutes(1), Now(), 50);
        if (!n.ok() || *n == 0) break;
        total += *n;
      }
    });
  }
  for (auto& t : sweepers) t.join();
  EXPECT_EQ(total.load(), 2000);
  std::set<std::string> offline;
  for (const auto& t : Drain()) {
    EXPECT_EQ(t.state, State::kOffline);
    EXPECT_TRUE(offline.insert(t.device_id).second) << "duplicate transition for " << t.device_id;
  }
  EXPECT_EQ(offline.size(), 2000u);
}

INSTANTIATE_TEST_SUITE_P(Stores, ContractTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::online
