#include "services/task/domain/rollout.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/reports.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

class RolloutTest : public ::testing::Test {
 protected:
  RolloutTest()
      : tasks_(store_, store_, directory_, clock_),
        rollout_(store_, store_, channel_, presence_, directory_, clock_),
        reports_(store_, clock_) {}

  Campaign Create(int devices, int batch, std::function<void(CampaignSpec&)> tweak = nullptr) {
    if (artifact_.empty()) {
      Artifact a;
      a.display_name = "fw";
      a.version = "2.0.0";
      a.url = "https://cdn/fw.bin";
      a.sha256 = std::string(64, 'c');
      a.size_bytes = 10;
      artifact_ = tasks_.CreateArtifact(a)->id;
    }
    CampaignSpec s;
    s.artifact_id = artifact_;
    for (int i = 0; i < devices; ++i) s.targets.device_ids.push_back("d" + std::to_string(i));
    s.batch_size = batch;
    s.ack_timeout = absl::Seconds(30);
    if (tweak) tweak(s);
    absl::StatusOr<Campaign> c = tasks_.CreateCampaign("test", s, "alice");
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  TickReport Tick() {
    absl::StatusOr<TickReport> r = rollout_.Tick();
    EXPECT_TRUE(r.ok()) << r.status();
    for (const absl::Status& st : r->errors) ADD_FAILURE() << st;
    return *r;
  }

  // The device upgrades all the way and comes back with the new version.
  void Upgrade(const DeviceRequest& r) {
    for (ExecState s : {ExecState::kDownloading, ExecState::kVerifying, ExecState::kInstalling,
                        ExecState::kRebooting}) {
      ASSERT_TRUE(reports_.OnProgress(r.device_id, r.request_id, {0, s, 100, "", ""}).ok());
    }
    ASSERT_TRUE(reports_.OnVersions({{r.device_id, r.version}}).ok());
  }

  Campaign Get(const std::string& id) { return *tasks_.GetCampaign(id); }

  FakeClock clock_;
  MemoryStore store_;
  testing::FakeDirectory directory_;
  testing::FakeChannel channel_;
  testing::FakePresence presence_;
  TaskManager tasks_;
  Rollout rollout_;
  DeviceReports reports_;
  std::string artifact_;
};

TEST_F(RolloutTest, RunsBatchByBatchToCompletion) {
  Campaign c = Create(5, 2);
  EXPECT_EQ(Tick().started, 1);
  std::vector<DeviceRequest> sent = channel_.Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].url, "https://cdn/fw.bin");
  EXPECT_EQ(sent[0].version, "2.0.0");
  EXPECT_EQ(Tick().sent, 0);  // batch 0 still in flight
  for (const DeviceRequest& r : sent) Upgrade(r);
  EXPECT_EQ(Get(c.id).counts.succeeded, 2);
  EXPECT_EQ(Tick().sent, 2);
  EXPECT_EQ(Get(c.id).cursor.batch, 1);
  for (int round = 0; round < 5; ++round) {
    std::vector<DeviceRequest> batch = channel_.Sent();
    channel_.Clear();
    for (const DeviceRequest& r : batch) Upgrade(r);
    Tick();
  }
  Campaign done = Get(c.id);
  EXPECT_EQ(done.state, CampaignState::kCompleted);
  EXPECT_EQ(done.counts.succeeded, 5);
  EXPECT_TRUE(done.end_time.has_value());
}

TEST_F(RolloutTest, TimeoutRetriesWithANewRequestIdThenFails) {
  Campaign c = Create(1, 1, [](CampaignSpec& s) {
    s.max_attempts = 2;
    s.initial_backoff = absl::Seconds(10);
  });
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 1u);
  EXPECT_EQ(channel_.Sent()[0].request_id, "task-1-1");
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(Tick().timed_out, 1);
  EXPECT_EQ(channel_.Sent().size(), 1u);  // back-off
  clock_.Advance(absl::Seconds(10));
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 2u);
  EXPECT_EQ(channel_.Sent()[1].request_id, "task-1-2");
  // A late report for attempt 1 changes nothing.
  EXPECT_FALSE(*reports_.OnProgress("d0", "task-1-1", {0, ExecState::kFailed, -1, "late", ""}));
  ASSERT_TRUE(*reports_.OnResponse("d0", "task-1-2", 500, "flash error"));
  Tick();
  Campaign done = Get(c.id);
  EXPECT_EQ(done.state, CampaignState::kCompleted);
  EXPECT_EQ(done.counts.failed, 1);
}

TEST_F(RolloutTest, OfflineDevicesWaitAndGetWorkWhenBack) {
  Campaign c = Create(2, 2);
  presence_.SetOffline("d1", true);
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 1u);
  Upgrade(channel_.Sent()[0]);
  clock_.Advance(absl::Seconds(5));
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 1u);  // still offline
  presence_.SetOffline("d1", false);
  clock_.Advance(absl::Seconds(15));
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 2u);
  EXPECT_EQ(channel_.Sent()[1].device_id, "d1");
  EXPECT_EQ(Get(c.id).cursor.batch, 0);  // the batch had room for it
}

TEST_F(RolloutTest, AbortCriteriaPauseAndResumeContinues) {
  Campaign c = Create(6, 2, [](CampaignSpec& s) { s.abort_per_batch = {2, 40}; });
  Tick();
  std::vector<DeviceRequest> first = channel_.Sent();
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(reports_.OnResponse(first[0].device_id, first[0].request_id, 500, "bad").ok());
  Upgrade(first[1]);
  TickReport r = Tick();
  ASSERT_EQ(r.campaign_events.size(), 1u);
  EXPECT_THAT(r.campaign_events[0], ::testing::HasSubstr("abort: 50.0%"));
  Campaign paused = Get(c.id);
  EXPECT_EQ(paused.state, CampaignState::kPaused);
  EXPECT_TRUE(paused.paused_by_abort);
  EXPECT_EQ(channel_.Sent().size(), 2u);
  ASSERT_TRUE(tasks_.Resume(c.id, "alice").ok());
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 4u);
  EXPECT_EQ(Get(c.id).state, CampaignState::kRunning);
}

TEST_F(RolloutTest, CancelStopsNewSendsButTracksInFlight) {
  Campaign c = Create(4, 2);
  Tick();
  ASSERT_TRUE(tasks_.Cancel(c.id, "alice", "").ok());
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 2u);
  Upgrade(channel_.Sent()[0]);
  Campaign after = Get(c.id);
  EXPECT_EQ(after.counts.canceled, 2);
  EXPECT_EQ(after.counts.succeeded, 1);
  EXPECT_EQ(after.counts.in_flight, 1);
  EXPECT_EQ(after.state, CampaignState::kCanceled);
}

TEST_F(RolloutTest, FailedSendRecordsNothingAndIsRetriedWithTheSameRequestId) {
  Campaign c = Create(1, 1);
  channel_.FailWith(absl::ResourceExhaustedError("queue full"));
  absl::StatusOr<TickReport> r = rollout_.Tick();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(Get(c.id).counts.queued, 1);
  channel_.FailWith(absl::OkStatus());
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 1u);
  EXPECT_EQ(channel_.Sent()[0].request_id, "task-1-1");
}

TEST_F(RolloutTest, UnconfirmedSendIsResentWithTheSameRequestId) {
  Campaign c = Create(1, 1);
  channel_.FailFlushWith(absl::DeadlineExceededError("kafka slow"));
  absl::StatusOr<TickReport> r = rollout_.Tick();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  ASSERT_EQ(channel_.Sent().size(), 1u);  // it may have reached the device ...
  EXPECT_EQ(Get(c.id).counts.queued, 1);  // ... but nothing was recorded
  channel_.FailFlushWith(absl::OkStatus());
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 2u);
  EXPECT_EQ(channel_.Sent()[1].request_id, channel_.Sent()[0].request_id);  // the device dedupes
  EXPECT_EQ(Get(c.id).counts.in_flight, 1);
  EXPECT_EQ(channel_.flushes(), 2);
}

TEST_F(RolloutTest, PresenceOutageSendsNothing) {
  Campaign c = Create(1, 1);
  presence_.FailWith(absl::UnavailableError("device-online down"));
  absl::StatusOr<TickReport> r = rollout_.Tick();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->errors.size(), 1u);
  EXPECT_TRUE(channel_.Sent().empty());
  presence_.FailWith(absl::OkStatus());
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 1u);
}

TEST_F(RolloutTest, WaitsForStartTimeAndWindow) {
  Campaign c = Create(1, 1, [this](CampaignSpec& s) {
    s.start_time = clock_.Now() + absl::Hours(1);
  });
  EXPECT_EQ(Tick().started, 0);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Tick().started, 1);
  EXPECT_EQ(channel_.Sent().size(), 1u);
}

TEST_F(RolloutTest, IncludeNewAddsDevicesThatJoinTheFilter) {
  directory_.AddToFilter("labels.site = n", {"n1", "gw-200"});
  Create(0, 5, [](CampaignSpec& s) {
    s.targets.label_filter = "labels.site = n";
    s.targets.include_new = true;
  });
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 1u);
  directory_.AddToFilter("labels.site = n", {"n2", "gw-200"});
  clock_.Advance(absl::Minutes(1));
  TickReport r = Tick();
  EXPECT_EQ(r.added_targets, 1);
  clock_.Advance(absl::Seconds(1));
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 2u);
}

TEST_F(RolloutTest, CommandCampaign) {
  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "uptime";
  s.targets.device_ids = {"d1"};
  s.batch_size = 1;
  absl::StatusOr<Campaign> c = tasks_.CreateCampaign("cmd", s, "alice");
  ASSERT_TRUE(c.ok()) << c.status();
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 1u);
  EXPECT_EQ(channel_.Sent()[0].command_name, "uptime");
  ASSERT_TRUE(*reports_.OnResponse("d1", channel_.Sent()[0].request_id, 200, "up 3 days"));
  EXPECT_FALSE(*reports_.OnResponse("d2", channel_.Sent()[0].request_id, 200, "spoof"));
  Tick();
  EXPECT_EQ(Get(c->id).state, CampaignState::kCompleted);
  absl::StatusOr<Page<Event>> tl = tasks_.Timeline("", "d1", 0, 100);
  std::vector<std::string> lines;
  for (const Event& e : tl->items) lines.push_back(e.message);
  EXPECT_THAT(lines, ::testing::Contains("up 3 days"));
}

}  // namespace
}  // namespace fleet::task
