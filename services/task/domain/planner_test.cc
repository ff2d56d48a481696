#include "services/task/domain/planner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/task/domain/spec.h"

namespace fleet::task {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CampaignSpec s;
    s.artifact_id = "a";
    s.targets.label_filter = "x";
    s.batch_size = 3;
    s.max_in_flight = 10;
    s.batch_interval = absl::Minutes(5);
    c_.spec = *NormalizeSpec(s, kT0);
    c_.id = "c1";
    c_.state = CampaignState::kRunning;
    c_.target_version = "2.0.0";
    c_.start_time = kT0;
    for (int i = 0; i < 10; ++i) {
      Execution e;
      e.id = i + 1;
      e.campaign_id = "c1";
      e.device_id = "d" + std::to_string(i);
      e.model = "gw-200";
      e.target_version = "2.0.0";
      queued_.push_back(e);
      presence_[e.device_id] = DevicePresence{true, "1.0.0"};
    }
  }
  PlanInput In(absl::Time now) {
    PlanInput in;
    in.campaign = &c_;
    in.stats.counts.queued = static_cast<int64_t>(queued_.size());
    in.candidates = queued_;
    in.presence = presence_;
    in.now = now;
    return in;
  }
  Campaign c_;
  std::vector<Execution> queued_;
  std::map<std::string, DevicePresence> presence_;
};

std::vector<std::string> Devices(const std::vector<Execution>& v) {
  std::vector<std::string> out;
  for (const Execution& e : v) out.push_back(e.device_id);
  return out;
}

TEST_F(PlannerTest, FirstBatchStartsBatchSizeDevices) {
  PlanDecision d = Plan(In(kT0));
  EXPECT_THAT(Devices(d.sent), ::testing::ElementsAre("d0", "d1", "d2"));
  EXPECT_TRUE(d.campaign_changed);
  EXPECT_EQ(d.cursor.batch, 0);
  EXPECT_EQ(d.cursor.sent, 3);
  EXPECT_EQ(d.cursor.started_at, kT0);
  for (const Execution& e : d.sent) EXPECT_EQ(e.state, ExecState::kSent);
  EXPECT_EQ(d.events.front().kind, Event::Kind::kCampaign);
  EXPECT_THAT(d.events.front().message, ::testing::HasSubstr("batch 0"));
}

TEST_F(PlannerTest, NextBatchWaitsForTheIntervalAndTheInFlightDevices) {
  c_.cursor = {0, 3, kT0};
  PlanInput in = In(kT0 + absl::Minutes(6));
  in.stats.batch_in_flight = 1;
  in.stats.counts.in_flight = 1;
  EXPECT_TRUE(Plan(in).sent.empty());  // batch 0 still running
  in.stats.batch_in_flight = 0;
  in.stats.counts.in_flight = 0;
  in.now = kT0 + absl::Minutes(4);
  EXPECT_TRUE(Plan(in).sent.empty());  // too early
  in.now = kT0 + absl::Minutes(5);
  PlanDecision d = Plan(in);
  EXPECT_EQ(d.sent.size(), 3u);
  EXPECT_EQ(d.cursor.batch, 1);
  EXPECT_EQ(d.sent[0].batch, 1);
}

TEST_F(PlannerTest, RampedBatchesGrow) {
  c_.spec.ramp_factor = 2;
  c_.spec.max_batch_size = 100;
  c_.cursor = {0, 3, kT0};
  PlanDecision d = Plan(In(kT0 + absl::Minutes(5)));
  EXPECT_EQ(d.sent.size(), 6u);
}

TEST_F(PlannerTest, MaxInFlightCapsAcrossBatches) {
  c_.spec.max_in_flight = 2;
  PlanDecision d = Plan(In(kT0));
  EXPECT_EQ(d.sent.size(), 2u);
  EXPECT_EQ(d.cursor.sent, 2);
}

TEST_F(PlannerTest, OfflineDevicesAreDeferredAndOthersTakeTheirPlace) {
  presence_["d0"].online = false;
  presence_.erase("d1");  // unknown to device-online = offline
  PlanDecision d = Plan(In(kT0));
  EXPECT_THAT(Devices(d.sent), ::testing::ElementsAre("d2", "d3", "d4"));
  EXPECT_THAT(Devices(d.deferred), ::testing::ElementsAre("d0", "d1"));
  EXPECT_EQ(d.deferred[0].state, ExecState::kQueued);
  EXPECT_EQ(d.deferred[0].not_before, kT0 + absl::Seconds(15));
}

TEST_F(PlannerTest, SkipsIncompatibleAndAlreadyUpgradedWithoutUsingSlots) {
  c_.target_models = {"gw-200"};
  queued_[0].model = "gw-100";
  presence_["d1"].firmware_version = "2.0.0";
  PlanDecision d = Plan(In(kT0));
  EXPECT_THAT(Devices(d.skipped), ::testing::ElementsAre("d0", "d1"));
  EXPECT_THAT(d.skipped[0].reason, ::testing::HasSubstr("incompatible"));
  EXPECT_THAT(d.skipped[1].reason, ::testing::HasSubstr("already on version 2.0.0"));
  EXPECT_THAT(Devices(d.sent), ::testing::ElementsAre("d2", "d3", "d4"));
}

TEST_F(PlannerTest, RetriesGoFirstAndDoNotUseBatchSlots) {
  queued_[9].attempt = 1;
  queued_[9].batch = 0;
  c_.cursor = {0, 3, kT0};  // batch 0 is full
  PlanInput in = In(kT0 + absl::Minutes(1));
  in.stats.batch_in_flight = 2;
  in.stats.counts.in_flight = 2;
  PlanDecision d = Plan(in);
  EXPECT_THAT(Devices(d.sent), ::testing::ElementsAre("d9"));
  EXPECT_EQ(d.sent[0].attempt, 2);
  EXPECT_EQ(d.cursor.sent, 3);
}

TEST_F(PlannerTest, NothingOutsideTheWindow) {
  DailyWindow w = *DailyWindow::Create({0, 60, "UTC"});
  PlanInput in = In(absl::FromUnixSeconds(1'800'000'000 - 1'800'000'000 % 86400 + 2 * 3600));
  in.window = &w;
  EXPECT_TRUE(Plan(in).sent.empty());
  in.now = absl::FromUnixSeconds(1'800'000'000 - 1'800'000'000 % 86400 + 1800);
  EXPECT_EQ(Plan(in).sent.size(), 3u);
}

TEST_F(PlannerTest, CompletesWhenNothingIsLeft) {
  PlanInput in = In(kT0);
  in.candidates.clear();
  in.stats.counts = {};
  in.stats.counts.succeeded = 9;
  in.stats.counts.skipped = 1;
  PlanDecision d = Plan(in);
  EXPECT_EQ(d.state, CampaignState::kCompleted);
  EXPECT_EQ(d.end_time, kT0);
  EXPECT_THAT(d.state_reason, ::testing::HasSubstr("9 succeeded"));
  c_.spec.targets.include_new = true;  // keeps running for devices that join later
  EXPECT_EQ(Plan(in).state, CampaignState::kRunning);
}

TEST_F(PlannerTest, AbortPerBatchNeedsMinFinished) {
  c_.spec.abort_per_batch = {4, 25};
  CampaignStats s;
  s.batch_finished = 3;
  s.batch_failures = 3;
  EXPECT_FALSE(AbortReason(c_, s).has_value());
  s.batch_finished = 4;
  s.batch_failures = 1;
  EXPECT_FALSE(AbortReason(c_, s).has_value());  // 25% is not above 25%
  s.batch_failures = 2;
  std::optional<std::string> why = AbortReason(c_, s);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, ::testing::HasSubstr("50.0% of 4 finished devices of batch 0"));
}

TEST_F(PlannerTest, AbortOverallCountsFromTheResumeBaseline) {
  c_.spec.abort_overall = {10, 10};
  CampaignStats s;
  s.counts.succeeded = 15;
  s.counts.failed = 3;
  s.counts.timed_out = 2;  // 5 of 20 = 25%
  EXPECT_TRUE(AbortReason(c_, s).has_value());
  c_.abort_base_finished = 20;
  c_.abort_base_failures = 5;
  EXPECT_FALSE(AbortReason(c_, s).has_value());  // nothing new since the resume
  s.counts.succeeded += 8;
  s.counts.failed += 2;  // 2 of 10 since = 20%
  EXPECT_TRUE(AbortReason(c_, s).has_value());
}

TEST_F(PlannerTest, AbortPausesAndSendsNothing) {
  c_.spec.abort_per_batch = {2, 10};
  PlanInput in = In(kT0);
  in.stats.batch_finished = 2;
  in.stats.batch_failures = 1;
  PlanDecision d = Plan(in);
  EXPECT_EQ(d.state, CampaignState::kPaused);
  EXPECT_TRUE(d.paused_by_abort);
  EXPECT_TRUE(d.sent.empty());
}

TEST_F(PlannerTest, OnlyRunningCampaignsSend) {
  c_.state = CampaignState::kPaused;
  EXPECT_TRUE(Plan(In(kT0)).sent.empty());
  EXPECT_FALSE(Plan(In(kT0)).campaign_changed);
}

TEST_F(PlannerTest, EtaFromThroughputAndRemainingBatches) {
  c_.counts.succeeded = 10;
  c_.counts.queued = 30;
  EXPECT_FALSE(Eta(c_, kT0).has_value());  // no time elapsed
  // 10 done in 100 s -> 30 left need 300 s; batches of 3 every 5 min: 10 more batches = 50 min.
  c_.cursor = {0, 3, kT0};
  std::optional<absl::Time> eta = Eta(c_, kT0 + absl::Seconds(100));
  ASSERT_TRUE(eta.has_value());
  EXPECT_EQ(*eta, kT0 + absl::Seconds(100) + absl::Minutes(50));
  c_.spec.batch_interval = absl::ZeroDuration();
  EXPECT_EQ(*Eta(c_, kT0 + absl::Seconds(100)), kT0 + absl::Seconds(400));
  c_.state = CampaignState::kPaused;
  EXPECT_FALSE(Eta(c_, kT0 + absl::Seconds(100)).has_value());
}

}  // namespace
}  // namespace fleet::task
