#include "services/device-online/domain/watch_hub.h"

#include <thread>

#include "gtest/gtest.h"

namespace fleet::online {
namespace {

Transition T(std::string id, State s = State::kOnline) {
  return Transition{"x", std::move(id), s, absl::Now(), absl::Now(), "uplink"};
}

TEST(WatchHubTest, DeliversToMatchingWatchersOnly) {
  WatchHub hub;
  auto all = hub.Subscribe({});
  auto one = hub.Subscribe({"b"});
  hub.Publish({T("a"), T("b"), T("c")});
  EXPECT_EQ(all->Next(absl::ZeroDuration()).size(), 3u);
  auto got = one->Next(absl::ZeroDuration());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].device_id, "b");
}

TEST(WatchHubTest, NextWaitsForPublish) {
  WatchHub hub;
  auto s = hub.Subscribe({});
  std::thread t([&] {
    absl::SleepFor(absl::Milliseconds(50));
    hub.Publish({T("a")});
  });
  EXPECT_EQ(s->Next(absl::Seconds(5)).size(), 1u);
  t.join();
  EXPECT_TRUE(s->Next(absl::Milliseconds(10)).empty());
}

TEST(WatchHubTest, SlowWatcherOverflowsWithoutAffectingOthers) {
  WatchHub hub(3);
  auto slow = hub.Subscribe({});
  auto fast = hub.Subscribe({});
  for (int i = 0; i < 5; ++i) {
    hub.Publish({T("d" + std::to_string(i))});
    EXPECT_EQ(fast->Next(absl::ZeroDuration()).size(), 1u);
  }
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(slow->closed());
  EXPECT_FALSE(fast->closed());
}

TEST(WatchHubTest, CloseAllWakesWaiters) {
  WatchHub hub;
  auto s = hub.Subscribe({});
  std::thread t([&] {
    absl::SleepFor(absl::Milliseconds(50));
    hub.CloseAll();
  });
  EXPECT_TRUE(s->Next(absl::Seconds(10)).empty());
  EXPECT_TRUE(s->closed());
  t.join();
}

}  // namespace
}  // namespace fleet::online
