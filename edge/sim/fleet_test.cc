#include "edge/sim/fleet.h"

#include <map>

#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(FleetTest, EveryDeviceBeatsOncePerIntervalWithinJitter) {
  Fleet fleet({.devices = 500, .heartbeat_interval = absl::Seconds(10), .jitter = 0.1}, kStart);
  std::map<int, std::vector<absl::Time>> beats;
  for (absl::Time t = kStart; t <= kStart + absl::Seconds(100); t += absl::Milliseconds(100)) {
    for (const Heartbeat& h : fleet.Due(t)) {
      EXPECT_LE(h.at, t);
      beats[h.device].push_back(h.at);
    }
  }
  ASSERT_EQ(beats.size(), 500u);
  for (const auto& [device, times] : beats) {
    EXPECT_GE(times.size(), 9u) << device;
    EXPECT_LE(times.size(), 12u) << device;
    for (size_t i = 1; i < times.size(); ++i) {
      const absl::Duration gap = times[i] - times[i - 1];
      EXPECT_GE(gap, absl::Seconds(9)) << device;
      EXPECT_LE(gap, absl::Seconds(11)) << device;
    }
  }
}

TEST(FleetTest, BoardParametersStayInRange) {
  Fleet fleet({.devices = 50, .heartbeat_interval = absl::Seconds(1)}, kStart);
  for (absl::Time t = kStart; t < kStart + absl::Minutes(5); t += absl::Seconds(1)) {
    for (const Heartbeat& h : fleet.Due(t)) {
      EXPECT_GE(h.cpu, 0);
      EXPECT_LE(h.cpu, 100);
      EXPECT_GE(h.signal, -120);
      EXPECT_LE(h.signal, -40);
      EXPECT_EQ(*h.firmware, "1.0.0");
    }
  }
}

TEST(FleetTest, SilenceAndResume) {
  Fleet fleet({.devices = 3, .heartbeat_interval = absl::Seconds(10), .jitter = 0}, kStart);
  ASSERT_TRUE(fleet.Silence("dev-000001", absl::InfiniteFuture()));
  EXPECT_FALSE(fleet.Silence("dev-000009", absl::InfiniteFuture()));
  EXPECT_FALSE(fleet.Silence("nope", absl::InfiniteFuture()));
  int from1 = 0, total = 0;
  absl::Time t = kStart;
  for (; t <= kStart + absl::Seconds(60); t += absl::Seconds(1)) {
    for (const Heartbeat& h : fleet.Due(t)) {
      ++total;
      if (h.device_id == "dev-000001") ++from1;
    }
  }
  EXPECT_EQ(from1, 0);
  EXPECT_GE(total, 10);
  ASSERT_TRUE(fleet.Resume("dev-000001", t));
  auto now = fleet.Due(t);
  ASSERT_EQ(now.size(), 1u);  // speaks at once
  EXPECT_EQ(now[0].device_id, "dev-000001");
  // ...and then once per interval, not twice.
  int after = 0;
  for (absl::Time u = t + absl::Seconds(1); u <= t + absl::Seconds(35); u += absl::Seconds(1)) {
    for (const Heartbeat& h : fleet.Due(u)) after += h.device_id == "dev-000001";
  }
  EXPECT_EQ(after, 3);
}

TEST(FleetTest, ChurnSilencesRoughlyTheConfiguredFraction) {
  Fleet fleet({.devices = 10000, .churn_per_minute = 0.01, .silence = absl::Hours(1)}, kStart);
  for (absl::Time t = kStart; t <= kStart + absl::Minutes(10); t += absl::Seconds(1)) fleet.Due(t);
  const int silent = fleet.SilentCount(kStart + absl::Minutes(10));
  EXPECT_GT(silent, 800);   // ~1,000 picks, a few repeats
  EXPECT_LT(silent, 1010);
}

TEST(FleetTest, IdsRoundTrip) {
  Fleet fleet({.devices = 100000, .id_prefix = "gw-"}, kStart);
  EXPECT_EQ(fleet.DeviceId(42), "gw-000042");
  EXPECT_EQ(fleet.Index("gw-099999"), 99999);
  EXPECT_EQ(fleet.Index("gw-100000"), -1);
  EXPECT_EQ(fleet.Index("dev-000001"), -1);
}

}  // namespace
}  // namespace fleet::sim
