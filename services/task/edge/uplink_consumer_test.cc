#include "services/task/edge/uplink_consumer.h"

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

TEST(ApplyUplinks, DrivesTheExecutionAndCountsOutcomes) {
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
  ASSERT_TRUE(ApplyUplinks(reports, {u}, metrics).ok());
  EXPECT_EQ(metrics.ignored.Value(), 1);
  u.device_id = "dev-1";
  Uplink unknown = u;
  unknown.request_id = "task-999-1";
  Uplink heartbeat;
  heartbeat.kind = Uplink::Kind::kHeartbeat;
  heartbeat.device_id = "dev-1";
  heartbeat.firmware = "1.0.0";
  ASSERT_TRUE(ApplyUplinks(reports, {u, unknown, heartbeat, u}, metrics).ok());
  EXPECT_EQ(metrics.applied.Value(), 1);
  EXPECT_EQ(metrics.unknown.Value(), 1);
  EXPECT_EQ(metrics.ignored.Value(), 2);  // the copy within the batch
  ASSERT_TRUE(ApplyUplinks(reports, {u}, metrics).ok());  // redelivered later
  EXPECT_EQ(metrics.ignored.Value(), 3);
  EXPECT_EQ(store.ListExecutions(channel.Sent()[0].campaign_id, ExecState::kSucceeded, "", 10)->items.size(), 1u);

  store.FailWith(absl::UnavailableError("db down"));
  EXPECT_TRUE(absl::IsUnavailable(ApplyUplinks(reports, {u}, metrics)));
}

TEST(ToReport, HeartbeatBecomesAVersionReport) {
  Uplink u;
  u.kind = Uplink::Kind::kHeartbeat;
  u.device_id = "dev-1";
  u.firmware = "2.0.0";
  DeviceReport r = ToReport(u);
  EXPECT_EQ(r.kind, DeviceReport::Kind::kVersion);
  EXPECT_EQ(r.device_id, "dev-1");
  EXPECT_EQ(r.version, "2.0.0");
  u.kind = Uplink::Kind::kProgress;
  u.request_id = "task-1-1";
  u.progress.state = ExecState::kVerifying;
  r = ToReport(u);
  EXPECT_EQ(r.kind, DeviceReport::Kind::kProgress);
  EXPECT_EQ(r.progress.state, ExecState::kVerifying);
  EXPECT_EQ(r.request_id, "task-1-1");
}

}  // namespace
}  // namespace fleet::task
