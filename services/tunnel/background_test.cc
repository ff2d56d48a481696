#include "services/tunnel/background.h"

#include <thread>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/memory_store.h"

namespace fleet::tunnel {
namespace {

TEST(SweeperLoopTest, EndsDueSessionsInBatchesCountsAndSurvivesStoreErrors) {
  FrpServer s;
  s.name = "a";
  s.public_address = "a";
  s.token = "t";
  s.port_min = 40000;
  s.port_max = 40999;
  MemoryStore store;
  ASSERT_TRUE(store.SyncPorts({s}).ok());
  FakeClock clock;
  BrokerOptions options;
  options.operator_cap = 100;
  TunnelBroker broker(options, {s}, store, store, clock, nullptr);
  for (int i = 0; i < 25; ++i) {
    auto r = broker.Open({"d" + std::to_string(i), "alice", {"ssh"}, absl::ZeroDuration()});
    ASSERT_TRUE(r.ok());
    if (i < 20) {
      ASSERT_TRUE(broker.OnStarted(r->session.id).ok());  // 5 stay REQUESTED
    }
  }
  prometheus::Registry registry;
  SweeperMetrics metrics(registry);
  std::atomic<bool> stop{false};
  store.FailWith(absl::UnavailableError("db down"));
  std::thread loop([&] { RunSweeper(broker, absl::Milliseconds(10), 4, metrics, stop); });
  auto wait_for = [](auto cond) {
    for (int i = 0; i < 500 && !cond(); ++i) absl::SleepFor(absl::Milliseconds(10));
    return cond();
  };
  EXPECT_TRUE(wait_for([&] { return metrics.errors.Value() >= 2; }));
  store.FailWith(absl::OkStatus());
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(wait_for([&] { return metrics.expired.Value() + metrics.failed.Value() == 25; }));
  stop = true;
  loop.join();
  EXPECT_EQ(metrics.expired.Value(), 20);
  EXPECT_EQ(metrics.failed.Value(), 5);
  auto live = broker.List({{"", "", SessionState::kOpen}, 0, ""});
  EXPECT_TRUE(live->items.empty());
}

}  // namespace
}  // namespace fleet::tunnel
