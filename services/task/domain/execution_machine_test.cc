#include "services/task/domain/execution_machine.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/task/domain/spec.h"

namespace fleet::task {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

class ExecutionMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CampaignSpec s;
    s.artifact_id = "a";
    s.targets.device_ids = {"d1"};
    s.batch_size = 1;
    s.max_attempts = 2;
    s.initial_backoff = absl::Seconds(10);
    spec_ = *NormalizeSpec(s, kT0);
    ctx_ = {CampaignKind::kFirmware, &spec_, true};
    e_.id = 42;
    e_.campaign_id = "c1";
    e_.device_id = "d1";
    e_.target_version = "2.0.0";
  }
  Progress P(ExecState s, int percent = -1, std::string msg = "") {
    return Progress{e_.attempt, s, percent, std::move(msg), ""};
  }
  CampaignSpec spec_;
  ExecContext ctx_;
  Execution e_;
};

TEST(RequestId, RoundTripsAndRejectsOthers) {
  EXPECT_EQ(RequestId(42, 3), "task-42-3");
  std::optional<RequestRef> r = ParseRequestId("task-42-3");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->execution_id, 42);
  EXPECT_EQ(r->attempt, 3);
  EXPECT_FALSE(ParseRequestId("tunnel.start:abc").has_value());
  EXPECT_FALSE(ParseRequestId("task-42").has_value());
  EXPECT_FALSE(ParseRequestId("task-x-1").has_value());
  EXPECT_FALSE(ParseRequestId("task-0-1").has_value());
}

TEST_F(ExecutionMachineTest, HappyPathNeedsTheReportedVersion) {
  ASSERT_EQ(MarkSent(e_, ctx_, 0, kT0).size(), 1u);
  EXPECT_EQ(e_.state, ExecState::kSent);
  EXPECT_EQ(e_.attempt, 1);
  EXPECT_EQ(e_.request_id, "task-42-1");
  EXPECT_EQ(e_.batch, 0);
  EXPECT_EQ(e_.deadline, kT0 + absl::Minutes(2));

  EXPECT_FALSE(OnProgress(e_, ctx_, P(ExecState::kDownloading, 10), kT0).empty());
  EXPECT_EQ(e_.state, ExecState::kDownloading);
  EXPECT_EQ(e_.percent, 10);
  EXPECT_EQ(e_.deadline, kT0 + absl::Minutes(30));
  EXPECT_FALSE(OnProgress(e_, ctx_, P(ExecState::kDownloading, 60), kT0).empty());
  EXPECT_EQ(e_.percent, 60);
  EXPECT_TRUE(OnProgress(e_, ctx_, P(ExecState::kDownloading, 40), kT0).empty());  // reordered
  OnProgress(e_, ctx_, P(ExecState::kVerifying), kT0);
  OnProgress(e_, ctx_, P(ExecState::kInstalling), kT0);
  EXPECT_EQ(e_.state, ExecState::kInstalling);
  // The device's word alone is not success.
  OnProgress(e_, ctx_, P(ExecState::kSucceeded), kT0 + absl::Seconds(1));
  EXPECT_EQ(e_.state, ExecState::kRebooting);
  EXPECT_EQ(e_.deadline, kT0 + absl::Seconds(1) + absl::Minutes(10));
  EXPECT_TRUE(OnVersionReported(e_, "1.0.0", kT0).empty());  // old firmware still
  EXPECT_EQ(e_.state, ExecState::kRebooting);
  std::vector<Event> ev = OnVersionReported(e_, "2.0.0", kT0 + absl::Seconds(5));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(e_.state, ExecState::kSucceeded);
  EXPECT_EQ(ev[0].state, ExecState::kSucceeded);
  EXPECT_THAT(ev[0].message, ::testing::HasSubstr("2.0.0"));
  EXPECT_EQ(e_.deadline, absl::InfiniteFuture());
}

TEST_F(ExecutionMachineTest, ProgressMaySkipStatesButNeverGoesBack) {
  MarkSent(e_, ctx_, 0, kT0);
  OnProgress(e_, ctx_, P(ExecState::kRebooting), kT0);
  EXPECT_EQ(e_.state, ExecState::kRebooting);
  EXPECT_TRUE(OnProgress(e_, ctx_, P(ExecState::kDownloading, 99), kT0).empty());
  EXPECT_EQ(e_.state, ExecState::kRebooting);
  EXPECT_FALSE(OnVersionReported(e_, "2.0.0", kT0).empty());
}

TEST_F(ExecutionMachineTest, VersionBeforeInstallingDoesNotCount) {
  MarkSent(e_, ctx_, 0, kT0);
  OnProgress(e_, ctx_, P(ExecState::kDownloading, 5), kT0);
  EXPECT_TRUE(OnVersionReported(e_, "2.0.0", kT0).empty());
  EXPECT_EQ(e_.state, ExecState::kDownloading);
}

TEST_F(ExecutionMachineTest, StaleAttemptsAreIgnored) {
  MarkSent(e_, ctx_, 0, kT0);
  Progress old = P(ExecState::kInstalling);
  old.attempt = 0;
  EXPECT_TRUE(OnProgress(e_, ctx_, old, kT0).empty());
  EXPECT_TRUE(OnResponse(e_, ctx_, 7, 500, "boom", kT0).empty());
  EXPECT_EQ(e_.state, ExecState::kSent);
}

TEST_F(ExecutionMachineTest, FailureRetriesAfterBackoffThenIsFinal) {
  MarkSent(e_, ctx_, 3, kT0);
  std::vector<Event> ev = OnProgress(e_, ctx_, P(ExecState::kFailed, -1, "sha256 mismatch"), kT0);
  // Log line, FAILED, back to QUEUED.
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, Event::Kind::kLog);
  EXPECT_EQ(ev[1].state, ExecState::kFailed);
  EXPECT_EQ(ev[2].state, ExecState::kQueued);
  EXPECT_EQ(e_.state, ExecState::kQueued);
  EXPECT_EQ(e_.reason, "sha256 mismatch");
  EXPECT_EQ(e_.not_before, kT0 + absl::Seconds(10));

  MarkSent(e_, ctx_, 9, kT0 + absl::Seconds(10));
  EXPECT_EQ(e_.attempt, 2);
  EXPECT_EQ(e_.batch, 3);  // keeps its first batch
  EXPECT_EQ(e_.request_id, "task-42-2");
  OnResponse(e_, ctx_, 2, 507, "disk full", kT0 + absl::Seconds(11));
  EXPECT_EQ(e_.state, ExecState::kFailed);
  EXPECT_THAT(e_.reason, ::testing::HasSubstr("507: disk full"));
}

TEST_F(ExecutionMachineTest, DeadlineTimesOutEachStep) {
  MarkSent(e_, ctx_, 0, kT0);
  EXPECT_TRUE(OnDeadline(e_, ctx_, kT0 + absl::Minutes(1)).empty());
  ctx_.retries_allowed = false;  // e.g. the campaign was canceled
  OnProgress(e_, ctx_, P(ExecState::kSucceeded), kT0);
  std::vector<Event> ev = OnDeadline(e_, ctx_, kT0 + absl::Minutes(10));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(e_.state, ExecState::kTimedOut);
  EXPECT_THAT(e_.reason, ::testing::HasSubstr("did not come back reporting version 2.0.0"));
  EXPECT_TRUE(OnVersionReported(e_, "2.0.0", kT0).empty());  // final stays final
}

TEST_F(ExecutionMachineTest, ResponsesOfUpgradesAreOnlyLogged) {
  MarkSent(e_, ctx_, 0, kT0);
  std::vector<Event> ev = OnResponse(e_, ctx_, 1, 202, "accepted", kT0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::Kind::kLog);
  EXPECT_EQ(e_.state, ExecState::kSent);
}

TEST_F(ExecutionMachineTest, CommandSucceedsOnItsAnswer) {
  ctx_.kind = CampaignKind::kCommand;
  MarkSent(e_, ctx_, 0, kT0);
  std::vector<Event> ev = OnResponse(e_, ctx_, 1, 200, "exit 0: uptime 3 days", kT0);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].message, "exit 0: uptime 3 days");
  EXPECT_EQ(e_.state, ExecState::kSucceeded);
}

TEST_F(ExecutionMachineTest, McuSucceedsOnAProgressReportWithTheVersion) {
  ctx_.kind = CampaignKind::kMcu;
  MarkSent(e_, ctx_, 0, kT0);
  Progress p = P(ExecState::kSucceeded);
  p.version = "1.9";
  OnProgress(e_, ctx_, p, kT0);
  EXPECT_EQ(e_.state, ExecState::kRebooting);  // wrong version: keep waiting
  p.version = "2.0.0";
  OnProgress(e_, ctx_, p, kT0);
  EXPECT_EQ(e_.state, ExecState::kSucceeded);
}

TEST_F(ExecutionMachineTest, SkipAndCancelOnlyFromQueued) {
  Execution other = e_;
  EXPECT_FALSE(MarkSkipped(other, "already on version 2.0.0", kT0).empty());
  EXPECT_EQ(other.state, ExecState::kSkipped);
  MarkSent(e_, ctx_, 0, kT0);
  EXPECT_TRUE(MarkCanceled(e_, "campaign canceled", kT0).empty());
  EXPECT_EQ(e_.state, ExecState::kSent);
}

}  // namespace
}  // namespace fleet::task
