// The same scenarios against the in-memory reference store and PostgreSQL: both must answer
// identically (ids, states, counts, timelines).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/task/storage/store_contract.h"

namespace fleet::task {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_P(StoreContract, Artifacts) {
  const std::string a1 = NewArtifact("1.0");
  clock_.Advance(absl::Seconds(1));
  const std::string a2 = NewArtifact("2.0", {"gw-200", "gw-300"});
  Artifact dup;
  dup.display_name = "gw fw";
  dup.version = "2.0";
  dup.url = "https://x/y";
  dup.sha256 = std::string(64, 'e');
  dup.size_bytes = 1;
  absl::Status st = tasks_.CreateArtifact(dup).status();
  EXPECT_EQ(status::Reason(st), "TASK_ARTIFACT_EXISTS");
  EXPECT_EQ(status::Metadata(st)["artifact"], a2);

  absl::StatusOr<Artifact> got = tasks_.GetArtifact(a2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->models, (std::vector<std::string>{"gw-200", "gw-300"}));
  EXPECT_EQ(got->create_time, clock_.Now());
  absl::StatusOr<Page<Artifact>> page = tasks_.ListArtifacts({}, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, a2);
  EXPECT_TRUE(page->more);
  page = tasks_.ListArtifacts({page->items[0].create_time, page->items[0].id}, 5);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, a1);
  EXPECT_FALSE(page->more);

  Campaign c = NewCampaign(a1, 1, 1);
  EXPECT_EQ(status::Reason(tasks_.DeleteArtifact(a1)), "TASK_ARTIFACT_IN_USE");
  ASSERT_TRUE(tasks_.Cancel(c.id, "alice", "").ok());
  EXPECT_TRUE(tasks_.DeleteArtifact(a1).ok());
  EXPECT_EQ(status::Reason(tasks_.DeleteArtifact(a1)), "TASK_ARTIFACT_NOT_FOUND");
}

TEST_P(StoreContract, RolloutWithRetriesSkipsAndVersionConfirmation) {
  const std::string a = NewArtifact("2.0.0", {"gw-200"});
  directory_.SetModel("d4", "gw-100");  // incompatible
  presence_.SetFirmware("d3", "2.0.0");  // already there
  Campaign c = NewCampaign(a, 5, 2, [](CampaignSpec& s) {
    s.max_attempts = 2;
    s.initial_backoff = absl::Seconds(5);
    s.window = Window{0, 1439, "UTC"};
  });
  EXPECT_EQ(c.counts.queued, 5);
  EXPECT_EQ(c.spec.batch_size, 2);
  EXPECT_EQ(c.spec.window->time_zone, "UTC");

  TickReport r = Tick();
  EXPECT_EQ(r.started, 1);
  EXPECT_EQ(r.sent, 2);
  EXPECT_EQ(r.skipped, 2);
  std::vector<DeviceRequest> sent = channel_.Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request_id, "task-1-1");
  EXPECT_EQ(sent[1].request_id, "task-2-1");

  // d0 upgrades; d1 fails once and is retried.
  Progress(sent[0], ExecState::kDownloading, 30);
  Progress(sent[0], ExecState::kDownloading, 100);
  Progress(sent[0], ExecState::kInstalling);
  Progress(sent[0], ExecState::kRebooting);
  ASSERT_TRUE(reports_.OnLog("d0", sent[0].request_id, "flashing partition B").ok());
  absl::StatusOr<std::vector<Execution>> awaiting = backend_.campaigns->AwaitingVersion({"d0", "d1"});
  ASSERT_TRUE(awaiting.ok());
  ASSERT_EQ(awaiting->size(), 1u);
  EXPECT_EQ((*awaiting)[0].device_id, "d0");
  EXPECT_EQ(*reports_.OnVersions({{"d0", "1.0.0"}, {"d1", "2.0.0"}}), 0);
  EXPECT_EQ(*reports_.OnVersions({{"d0", "2.0.0"}}), 1);
  ASSERT_TRUE(*reports_.OnResponse("d1", sent[1].request_id, 500, "checksum mismatch"));
  EXPECT_FALSE(*reports_.OnResponse("d1", sent[1].request_id, 500, "checksum mismatch"));

  clock_.Advance(absl::Seconds(5));
  r = Tick();
  EXPECT_EQ(r.sent, 2);  // the retry, plus d2 which opens batch 1
  sent = channel_.Sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2].request_id, "task-2-2");
  EXPECT_EQ(sent[3].device_id, "d2");

  clock_.Advance(absl::Minutes(1));  // both time out; no attempts left for d1
  r = Tick();
  EXPECT_EQ(r.timed_out, 2);

  Campaign after = *tasks_.GetCampaign(c.id);
  EXPECT_EQ(after.counts.succeeded, 1);
  EXPECT_EQ(after.counts.timed_out, 1);
  EXPECT_EQ(after.counts.skipped, 2);
  EXPECT_EQ(after.counts.queued, 1);  // d2 waits for its retry
  EXPECT_EQ(after.cursor.batch, 1);

  absl::StatusOr<Page<Execution>> ex = tasks_.ListExecutions(c.id, std::nullopt, "", 10);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->items.size(), 5u);
  EXPECT_EQ(ex->items[0].state, ExecState::kSucceeded);
  EXPECT_EQ(ex->items[1].state, ExecState::kTimedOut);
  EXPECT_EQ(ex->items[1].attempt, 2);
  EXPECT_EQ(ex->items[1].batch, 0);
  EXPECT_THAT(ex->items[3].reason, HasSubstr("already on version"));
  EXPECT_THAT(ex->items[4].reason, HasSubstr("incompatible"));
  absl::StatusOr<Page<Execution>> skipped = tasks_.ListExecutions(c.id, ExecState::kSkipped, "d3", 10);
  ASSERT_EQ(skipped->items.size(), 1u);
  EXPECT_EQ(skipped->items[0].device_id, "d4");

  EXPECT_THAT(DeviceTimeline("d0"),
              ElementsAre("SENT 0 attempt 1 sent in batch 0 as task-1-1", "DOWNLOADING 30 ",
                          "DOWNLOADING 100 ", "INSTALLING 100 ", "REBOOTING 100 ",
                          "LOG REBOOTING 100 flashing partition B",
                          "SUCCEEDED 100 confirmed: device reports version 2.0.0"));
  EXPECT_THAT(DeviceTimeline("d1"),
              ElementsAre("SENT 0 attempt 1 sent in batch 0 as task-2-1",
                          "LOG SENT 0 checksum mismatch",
                          "FAILED 0 device answered 500: checksum mismatch",
                          "QUEUED 0 retry 2 of 2 in 5s", "SENT 0 attempt 2 sent in batch 0 as task-2-2",
                          "TIMED_OUT 0 no answer to the request within 30s"));
  absl::StatusOr<Page<Event>> campaign_tl = tasks_.Timeline(c.id, "", 0, 3);
  ASSERT_TRUE(campaign_tl.ok());
  ASSERT_EQ(campaign_tl->items.size(), 3u);
  EXPECT_TRUE(campaign_tl->more);
  EXPECT_EQ(campaign_tl->items[0].message, "created with 5 devices by alice");
  EXPECT_EQ(campaign_tl->items[1].message, "started");
  absl::StatusOr<Page<Event>> rest = tasks_.Timeline(c.id, "", campaign_tl->items[2].seq, 1000);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(rest->more);
  absl::StatusOr<Page<Event>> both = tasks_.Timeline(c.id, "d4", 0, 10);
  ASSERT_EQ(both->items.size(), 1u);
  EXPECT_EQ(both->items[0].state, ExecState::kSkipped);
}

TEST_P(StoreContract, CancelCancelsQueuedAndKeepsInFlight) {
  Campaign c = NewCampaign(NewArtifact(), 4, 1);
  Tick();
  absl::StatusOr<Campaign> canceled = tasks_.Cancel(c.id, "bob", "stop");
  ASSERT_TRUE(canceled.ok()) << canceled.status();
  EXPECT_EQ(canceled->counts.canceled, 3);
  EXPECT_EQ(canceled->counts.in_flight, 1);
  EXPECT_EQ(canceled->state, CampaignState::kCanceled);
  EXPECT_EQ(canceled->end_time, clock_.Now());
  Tick();
  EXPECT_EQ(channel_.Sent().size(), 1u);
  EXPECT_THAT(DeviceTimeline("d3"), ElementsAre("CANCELED 0 campaign canceled"));
  absl::StatusOr<Page<Campaign>> list = tasks_.ListCampaigns(CampaignState::kCanceled, {}, 10);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].counts.canceled, 3);
  EXPECT_TRUE(tasks_.ListCampaigns(CampaignState::kRunning, {}, 10)->items.empty());
}

TEST_P(StoreContract, FailedSendRecordsNothing) {
  Campaign c = NewCampaign(NewArtifact(), 2, 2);
  channel_.FailWith(absl::UnavailableError("kafka down"));
  absl::StatusOr<TickReport> r = rollout_.Tick();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_TRUE(absl::IsUnavailable(r->errors[0]));
  Campaign after = *tasks_.GetCampaign(c.id);
  EXPECT_EQ(after.counts.queued, 2);
  EXPECT_EQ(after.cursor.sent, 0);
  EXPECT_THAT(DeviceTimeline("d0"), ::testing::IsEmpty());
  channel_.FailWith(absl::OkStatus());
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 2u);
  EXPECT_EQ(channel_.Sent()[0].request_id, "task-1-1");
}

TEST_P(StoreContract, UnconfirmedSendIsResentWithTheSameRequestId) {
  Campaign c = NewCampaign(NewArtifact(), 3, 3);
  channel_.FailFlushWith(absl::UnavailableError("delivery failed"));
  ASSERT_TRUE(rollout_.Tick().ok());
  ASSERT_EQ(channel_.Sent().size(), 3u);
  Campaign after = *tasks_.GetCampaign(c.id);
  EXPECT_EQ(after.counts.queued, 3);
  EXPECT_EQ(after.state, CampaignState::kRunning);  // the start itself committed earlier
  channel_.FailFlushWith(absl::OkStatus());
  Tick();
  ASSERT_EQ(channel_.Sent().size(), 6u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(channel_.Sent()[3 + i].request_id, channel_.Sent()[i].request_id);
  EXPECT_EQ(tasks_.GetCampaign(c.id)->counts.in_flight, 3);
}

TEST_P(StoreContract, DeviceExecutionsAcrossCampaignsAndLateTargets) {
  const std::string a = NewArtifact();
  Campaign c1 = NewCampaign(a, 2, 1);
  clock_.Advance(absl::Seconds(1));
  Campaign c2 = NewCampaign(a, 1, 1);
  absl::StatusOr<Page<Execution>> dev = tasks_.ListDeviceExecutions("d0", {}, 1);
  ASSERT_TRUE(dev.ok());
  ASSERT_EQ(dev->items.size(), 1u);
  EXPECT_EQ(dev->items[0].campaign_id, c2.id);
  EXPECT_TRUE(dev->more);
  dev = tasks_.ListDeviceExecutions("d0", {dev->items[0].create_time, dev->items[0].campaign_id}, 5);
  ASSERT_EQ(dev->items.size(), 1u);
  EXPECT_EQ(dev->items[0].campaign_id, c1.id);
  EXPECT_EQ(*backend_.campaigns->AddTargets(c1.id, {{"d1", "x"}, {"d9", "gw-200"}}, clock_.Now()), 1);
  EXPECT_EQ(tasks_.GetCampaign(c1.id)->counts.queued, 3);
  EXPECT_EQ(status::Reason(backend_.campaigns->AddTargets("nope", {}, clock_.Now()).status()),
            "TASK_CAMPAIGN_NOT_FOUND");
}

TEST_P(StoreContract, CompletesAndPausesThroughDispatch) {
  Campaign c = NewCampaign(NewArtifact(), 2, 2, [](CampaignSpec& s) { s.abort_overall = {1, 0}; });
  Tick();
  ASSERT_TRUE(*reports_.OnResponse("d0", "task-1-1", 500, "no space"));
  TickReport r = Tick();
  ASSERT_EQ(r.campaign_events.size(), 1u);
  Campaign paused = *tasks_.GetCampaign(c.id);
  EXPECT_EQ(paused.state, CampaignState::kPaused);
  EXPECT_TRUE(paused.paused_by_abort);
  EXPECT_THAT(paused.state_reason, HasSubstr("abort: 100.0% of 1"));
  absl::StatusOr<Campaign> resumed = tasks_.Resume(c.id, "alice");
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->abort_base_finished, 1);
  EXPECT_EQ(resumed->cursor.batch, 1);
  Progress(channel_.Sent()[1], ExecState::kRebooting);
  ASSERT_EQ(*reports_.OnVersions({{"d1", "2.0.0"}}), 1);
  r = Tick();
  Campaign done = *tasks_.GetCampaign(c.id);
  EXPECT_EQ(done.state, CampaignState::kCompleted);
  EXPECT_EQ(done.state_reason, "1 succeeded, 1 failed, 0 skipped");
  EXPECT_EQ(done.end_time, clock_.Now());
}

// A poll batch of reports in one UpdateExecutions call: executions of two campaigns, folded
// progress, a failure, a confirmation, an unknown execution.
TEST_P(StoreContract, BatchOfReportsAcrossCampaigns) {
  const std::string a = NewArtifact();
  Campaign c1 = NewCampaign(a, 2, 2);  // executions 1 (d0) and 2 (d1)
  clock_.Advance(absl::Seconds(1));
  Campaign c2 = NewCampaign(a, 1, 1);  // execution 3 (d0)
  for (int i = 0; i < 3 && channel_.Sent().size() < 3; ++i) Tick();
  ASSERT_EQ(channel_.Sent().size(), 3u);
  auto report = [](DeviceReport::Kind kind, const std::string& device, const std::string& request) {
    DeviceReport r;
    r.kind = kind;
    r.device_id = device;
    r.request_id = request;
    return r;
  };
  auto progress = [&](const std::string& device, const std::string& request, ExecState s, int pct) {
    DeviceReport r = report(DeviceReport::Kind::kProgress, device, request);
    r.progress = {0, s, pct, "", ""};
    return r;
  };
  DeviceReport failure = report(DeviceReport::Kind::kResponse, "d1", "task-2-1");
  failure.code = 500;
  failure.detail = "no space";
  DeviceReport version = report(DeviceReport::Kind::kVersion, "d0", "");
  version.version = "2.0.0";
  clock_.Advance(absl::Seconds(1));
  absl::StatusOr<ReportsOutcome> out = reports_.ApplyBatch({
      progress("d0", "task-1-1", ExecState::kDownloading, 10),
      progress("d0", "task-3-1", ExecState::kDownloading, 20),
      progress("d0", "task-1-1", ExecState::kDownloading, 60), failure,
      progress("d0", "task-1-1", ExecState::kRebooting, -1), failure,
      progress("d9", "task-999-1", ExecState::kDownloading, 5), version});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->applied, 4);
  EXPECT_EQ(out->superseded, 1);
  EXPECT_EQ(out->ignored, 1);
  EXPECT_EQ(out->unknown, 1);
  EXPECT_EQ(out->confirmed, 1);
  EXPECT_THAT(DeviceTimeline("d0"),
              ElementsAre("SENT 0 attempt 1 sent in batch 0 as task-1-1",
                          "SENT 0 attempt 1 sent in batch 0 as task-3-1", "DOWNLOADING 60 ",
                          "REBOOTING 100 ", "SUCCEEDED 100 confirmed: device reports version 2.0.0",
                          "DOWNLOADING 20 "));
  EXPECT_THAT(DeviceTimeline("d1"), ElementsAre("SENT 0 attempt 1 sent in batch 0 as task-2-1",
                                                 "LOG SENT 0 no space",
                                                 "FAILED 0 device answered 500: no space"));
  Campaign got1 = *tasks_.GetCampaign(c1.id), got2 = *tasks_.GetCampaign(c2.id);
  EXPECT_EQ(got1.counts.succeeded, 1);
  EXPECT_EQ(got1.counts.failed, 1);
  EXPECT_EQ(got2.counts.in_flight, 1);
  absl::StatusOr<Page<Execution>> d0 = tasks_.ListDeviceExecutions("d0", {}, 5);
  ASSERT_TRUE(d0.ok());
  ASSERT_EQ(d0->items.size(), 2u);
  EXPECT_EQ(d0->items[0].state, ExecState::kDownloading);
  EXPECT_EQ(d0->items[0].percent, 20);
  EXPECT_EQ(d0->items[0].state_time, clock_.Now());
  EXPECT_EQ(d0->items[0].deadline, clock_.Now() + got2.spec.download_timeout);
  EXPECT_EQ(d0->items[1].state_time, clock_.Now());

  // The port itself: repeated and unknown ids, `fn` once per existing execution in id order,
  // only changed rows written.
  std::vector<int64_t> seen;
  absl::StatusOr<ExecutionsUpdate> up = backend_.campaigns->UpdateExecutions(
      {3, 77, 2, 3, 1}, [&](Execution& e, const Campaign& c) -> std::vector<Event> {
        seen.push_back(e.id);
        EXPECT_EQ(c.id, e.id == 3 ? c2.id : c1.id);
        if (e.id != 3) {
          e.percent = 1;  // not returned as a change: must not be written
          return {};
        }
        e.percent = 90;
        return OnLog(e, e.attempt, "batched line", clock_.Now());
      });
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->changed, 1);
  EXPECT_THAT(up->missing, ElementsAre(77));
  EXPECT_THAT(seen, ElementsAre(1, 2, 3));
  d0 = tasks_.ListDeviceExecutions("d0", {}, 5);
  EXPECT_EQ(d0->items[0].percent, 90);
  EXPECT_EQ(d0->items[1].percent, 100);
  EXPECT_EQ(DeviceTimeline("d0").back(), "LOG DOWNLOADING 90 batched line");
  up = backend_.campaigns->UpdateExecutions({}, [](Execution&, const Campaign&) {
    ADD_FAILURE() << "called without executions";
    return std::vector<Event>{};
  });
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->changed, 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("memory", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::task
