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

namespace fleet::tunnel {
namespace {

double GaugeValue(prometheus::Registry& r, const std::string& name, const std::string& server = "") {
  for (const auto& family : r.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = server.empty();
      for (const auto& l : m.label) match = match || (l.name == "server" && l.value == server);
      if (match) return m.gauge.value;
    }
  }
  return -1;
}

TEST(PoolGaugesTest, ReportLiveSessionsAndFreePortsPerServer) {
  FrpServer a, b;
  a.name = "a", a.public_address = "a", a.token = "t", a.port_min = 40000, a.port_max = 40009;
  b.name = "b", b.public_address = "b", b.token = "t", b.port_min = 41000, b.port_max = 41019, b.weight = 2;
  MemoryStore store;
  ASSERT_TRUE(store.SyncPorts({a, b}).ok());
  FakeClock clock;
  BrokerOptions options;
  options.operator_cap = 100;
  TunnelBroker broker(options, {a, b}, store, store, clock, nullptr);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(broker.Open({"d" + std::to_string(i), "alice", {}, absl::ZeroDuration()}).ok());
  prometheus::Registry registry;
  PoolMetrics metrics(registry);
  auto stats = broker.Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  metrics.Set(*stats);
  EXPECT_EQ(GaugeValue(registry, "tunnel_sessions_open"), 4);
  EXPECT_EQ(GaugeValue(registry, "tunnel_pool_ports_total", "a"), 10);
  EXPECT_EQ(GaugeValue(registry, "tunnel_pool_ports_total", "b"), 20);
  // 4 sessions x 3 ports = 12 leased in all.
  EXPECT_EQ(GaugeValue(registry, "tunnel_pool_ports_free", "a") + GaugeValue(registry, "tunnel_pool_ports_free", "b"),
            30 - 12);
  store.FailWith(absl::UnavailableError("db down"));
  EXPECT_EQ(broker.Stats().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::tunnel
