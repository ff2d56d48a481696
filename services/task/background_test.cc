#include "services/task/background.h"

#include <thread>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/testing/process.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

TEST(RunRollout, SendsCountsAndSurvivesStoreOutages) {
  FakeClock clock;
  MemoryStore store;
  testing::FakeDirectory directory;
  testing::FakeChannel channel;
  testing::FakePresence presence;
  TaskManager tasks(store, store, directory, clock);
  Rollout rollout(store, store, channel, presence, directory, clock);
  prometheus::Registry registry;
  RolloutMetrics metrics(registry);
  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "uptime";
  s.targets.device_ids = {"d1", "d2"};
  s.batch_size = 2;
  ASSERT_TRUE(tasks.CreateCampaign("x", s, "alice").ok());

  store.FailWith(absl::UnavailableError("db down"));
  std::atomic<bool> stop{false};
  std::thread worker([&] { RunRollout(rollout, absl::Milliseconds(10), metrics, stop); });
  ASSERT_TRUE(fleet::testing::WaitFor([&] { return metrics.errors.Value() >= 2; }, absl::Seconds(5)).ok());
  EXPECT_TRUE(channel.Sent().empty());
  store.FailWith(absl::OkStatus());
  ASSERT_TRUE(fleet::testing::WaitFor([&] { return metrics.sent.Value() == 2; }, absl::Seconds(5)).ok());
  stop = true;
  worker.join();
  EXPECT_EQ(channel.Sent().size(), 2u);
  EXPECT_EQ(metrics.started.Value(), 1);
}

}  // namespace
}  // namespace fleet::task
