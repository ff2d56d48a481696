#include "services/task/edge/uplink_consumer.h"

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

TEST(ApplyUplink, DrivesTheExecutionAndCountsOutcomes) {
  FakeClock clock;
  MemoryStore store;
  testing::FakeDirectory directory;
  testing::FakeChannel channel;
  testing::FakePresence presence;
  TaskManager tasks(store, store, directory, clock);
  Rollout rollout(store, store, channel, presence, directory, clock);
  DeviceReports reports(store, clock);
  prometheus::Registry registry;
  UplinkMetrics metrics(registry);

  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "uptime";
  s.targets.device_ids = {"dev-1"};
  s.batch_size = 1;
  ASSERT_TRUE(tasks.CreateCampaign("x", s, "alice").ok());
  ASSERT_TRUE(rollout.Tick().ok());
  ASSERT_EQ(channel.Sent().size(), 1u);

  Uplink u;
  u.kind = Uplink::Kind::kResponse;
  u.device_id = "dev-2";  // not the execution's device
  u.request_id = channel.Sent()[0].request_id;
  u.code = 200;
  u.detail = "up";
  ASSERT_TRUE(ApplyUplink(reports, u, metrics).ok());
  EXPECT_EQ(metrics.ignored.Value(), 1);
  u.device_id = "dev-1";
  ASSERT_TRUE(ApplyUplink(reports, u, metrics).ok());
  EXPECT_EQ(metrics.applied.Value(), 1);
  ASSERT_TRUE(ApplyUplink(reports, u, metrics).ok());  // redelivered
  EXPECT_EQ(metrics.ignored.Value(), 2);
  EXPECT_EQ(store.ListExecutions(channel.Sent()[0].campaign_id, ExecState::kSucceeded, "", 10)->items.size(), 1u);

  store.FailWith(absl::UnavailableError("db down"));
  EXPECT_TRUE(absl::IsUnavailable(ApplyUplink(reports, u, metrics)));
}

}  // namespace
}  // namespace fleet::task
