#include "services/task/domain/reports.h"

#include <map>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

using ::testing::ElementsAre;

DeviceReport ProgressReport(const DeviceRequest& r, ExecState s, int percent = -1,
                            std::string message = "") {
  DeviceReport out;
  out.kind = DeviceReport::Kind::kProgress;
  out.device_id = r.device_id;
  out.request_id = r.request_id;
  out.progress = {0, s, percent, std::move(message), ""};
  return out;
}

DeviceReport Answer(const DeviceRequest& r, int code, std::string detail = "") {
  DeviceReport out;
  out.kind = DeviceReport::Kind::kResponse;
  out.device_id = r.device_id;
  out.request_id = r.request_id;
  out.code = code;
  out.detail = std::move(detail);
  return out;
}

DeviceReport Log(const DeviceRequest& r, std::string line) {
  DeviceReport out;
  out.kind = DeviceReport::Kind::kLog;
  out.device_id = r.device_id;
  out.request_id = r.request_id;
  out.detail = std::move(line);
  return out;
}

DeviceReport Version(const std::string& device, std::string version) {
  DeviceReport out;
  out.kind = DeviceReport::Kind::kVersion;
  out.device_id = device;
  out.version = std::move(version);
  return out;
}

// One store with a RUNNING firmware campaign whose `devices` requests were sent.
struct World {
  explicit World(int devices, int max_attempts = 1)
      : tasks(store, store, directory, clock),
        rollout(store, store, channel, presence, directory, clock),
        reports(store, clock) {
    Artifact a;
    a.display_name = "fw";
    a.version = "2.0.0";
    a.url = "https://cdn/fw.bin";
    a.sha256 = std::string(64, 'c');
    a.size_bytes = 10;
    CampaignSpec s;
    s.artifact_id = tasks.CreateArtifact(a)->id;
    for (int i = 0; i < devices; ++i) s.targets.device_ids.push_back("d" + std::to_string(i));
    s.batch_size = devices;
    s.max_attempts = max_attempts;
    campaign = *tasks.CreateCampaign("test", s, "alice");
    EXPECT_TRUE(rollout.Tick().ok());
    sent = channel.Sent();
  }

  Execution Exec(int i) {
    const absl::StatusOr<Page<Execution>> page = store.ListExecutions(campaign.id, std::nullopt, "", 1000);
    return page->items.at(i);
  }

  std::vector<std::string> Timeline(int i) {
    std::vector<std::string> out;
    const absl::StatusOr<Page<Event>> page = store.Timeline("", sent.at(i).device_id, 0, 1000);
    for (const Event& e : page->items) {
      if (e.state == ExecState::kSent && e.kind == Event::Kind::kState) continue;
      out.push_back(absl::StrCat(e.kind == Event::Kind::kLog ? "LOG " : "",
                                 std::string(Name(e.state)), " ", e.percent,
                                 e.message.empty() ? "" : " ", e.message));
    }
    return out;
  }

  FakeClock clock;
  MemoryStore store;
  testing::FakeDirectory directory;
  testing::FakeChannel channel;
  testing::FakePresence presence;
  TaskManager tasks;
  Rollout rollout;
  DeviceReports reports;
  Campaign campaign;
  std::vector<DeviceRequest> sent;
};

TEST(ApplyBatch, OutOfOrderProgressNeverGoesBack) {
  World w(1);
  const DeviceRequest& r = w.sent[0];
  absl::StatusOr<ReportsOutcome> out = w.reports.ApplyBatch(
      {ProgressReport(r, ExecState::kDownloading, 60), ProgressReport(r, ExecState::kDownloading, 30),
       ProgressReport(r, ExecState::kVerifying), ProgressReport(r, ExecState::kDownloading, 90)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->applied, 2);
  EXPECT_EQ(out->ignored, 2);
  EXPECT_EQ(out->superseded, 0);
  EXPECT_EQ(w.Exec(0).state, ExecState::kVerifying);
  EXPECT_EQ(w.Exec(0).percent, 100);
  EXPECT_THAT(w.Timeline(0), ElementsAre("DOWNLOADING 60", "VERIFYING 100"));
}

TEST(ApplyBatch, PercentOnlyProgressCollapsesToTheNewest) {
  World w(1);
  const DeviceRequest& r = w.sent[0];
  absl::StatusOr<ReportsOutcome> out = w.reports.ApplyBatch(
      {ProgressReport(r, ExecState::kDownloading, 10), ProgressReport(r, ExecState::kDownloading, 50),
       ProgressReport(r, ExecState::kDownloading, 80), ProgressReport(r, ExecState::kVerifying),
       ProgressReport(r, ExecState::kInstalling, -1, "flashing"),
       ProgressReport(r, ExecState::kInstalling), ProgressReport(r, ExecState::kRebooting)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->superseded, 2);  // DOWNLOADING 10 and 50
  EXPECT_EQ(out->applied, 4);     // DOWNLOADING 80, VERIFYING, INSTALLING (+ log), REBOOTING
  EXPECT_EQ(out->ignored, 1);     // the second INSTALLING: no change
  EXPECT_EQ(w.Exec(0).state, ExecState::kRebooting);
  // Every step transition stays on the timeline; only intermediate percentages are folded.
  EXPECT_THAT(w.Timeline(0), ElementsAre("DOWNLOADING 80", "VERIFYING 100", "LOG VERIFYING 100 flashing",
                                         "INSTALLING 100", "REBOOTING 100"));
}

TEST(ApplyBatch, NothingIsFoldedAcrossAnotherReport) {
  World w(1);
  const DeviceRequest& r = w.sent[0];
  ASSERT_TRUE(w.reports
                  .ApplyBatch({ProgressReport(r, ExecState::kDownloading, 10), Log(r, "slow link"),
                               ProgressReport(r, ExecState::kDownloading, 50)})
                  .ok());
  EXPECT_THAT(w.Timeline(0),
              ElementsAre("DOWNLOADING 10", "LOG DOWNLOADING 10 slow link", "DOWNLOADING 50"));
}

TEST(ApplyBatch, DuplicatesAreAppliedOnce) {
  World w(2);
  std::vector<DeviceReport> batch = {
      Answer(w.sent[0], 200), Answer(w.sent[0], 200),  // redelivered copy of the acceptance
      ProgressReport(w.sent[0], ExecState::kDownloading, 40),
      ProgressReport(w.sent[0], ExecState::kDownloading, 40),
      Answer(w.sent[1], 500, "no space"), Answer(w.sent[1], 500, "no space")};
  absl::StatusOr<ReportsOutcome> out = w.reports.ApplyBatch(batch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->applied, 3);
  EXPECT_EQ(out->superseded, 1);
  EXPECT_EQ(out->ignored, 2);
  EXPECT_THAT(w.Timeline(0), ElementsAre("LOG SENT 0 device accepted the request (200)", "DOWNLOADING 40"));
  EXPECT_THAT(w.Timeline(1),
              ElementsAre("LOG SENT 0 no space", "FAILED 0 device answered 500: no space"));

  // The whole batch redelivered (at-least-once after a crash before the offset commit).
  const Execution before0 = w.Exec(0), before1 = w.Exec(1);
  out = w.reports.ApplyBatch(batch);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->applied, 1);  // only the upgrade acceptance is logged again (as per report)
  EXPECT_EQ(w.Exec(0), before0);
  EXPECT_EQ(w.Exec(1), before1);
  EXPECT_EQ(w.Timeline(1).size(), 2u);
}

TEST(ApplyBatch, ResultAndProgressOfOneExecutionInOneBatch) {
  World w(3, /*max_attempts=*/2);
  // d0: progress, then the failure, then a late progress of the failed attempt.
  // d1: progress to REBOOTING, then its heartbeat with the new version (confirmation).
  // d2: a FAILED progress report followed by a stale DOWNLOADING of the same attempt.
  absl::StatusOr<ReportsOutcome> out = w.reports.ApplyBatch(
      {ProgressReport(w.sent[0], ExecState::kDownloading, 50), Answer(w.sent[0], 500, "disk full"),
       ProgressReport(w.sent[0], ExecState::kDownloading, 70),
       ProgressReport(w.sent[1], ExecState::kDownloading, 100),
       ProgressReport(w.sent[1], ExecState::kRebooting), Version("d1", "2.0.0"),
       ProgressReport(w.sent[2], ExecState::kFailed, -1, "bad signature"),
       ProgressReport(w.sent[2], ExecState::kDownloading, 100)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->confirmed, 1);
  EXPECT_EQ(out->versions, 1);
  const Execution e0 = w.Exec(0), e1 = w.Exec(1), e2 = w.Exec(2);
  EXPECT_EQ(e0.state, ExecState::kQueued);  // failed, retry scheduled
  EXPECT_EQ(e0.attempt, 1);
  EXPECT_THAT(w.Timeline(0), ElementsAre("DOWNLOADING 50", "LOG DOWNLOADING 50 disk full",
                                         "FAILED 50 device answered 500: disk full",
                                         "QUEUED 0 retry 2 of 2 in 30s"));
  EXPECT_EQ(e1.state, ExecState::kSucceeded);
  EXPECT_THAT(w.Timeline(1), ElementsAre("DOWNLOADING 100", "REBOOTING 100",
                                         "SUCCEEDED 100 confirmed: device reports version 2.0.0"));
  EXPECT_EQ(e2.state, ExecState::kQueued);
  EXPECT_EQ(e2.reason, "bad signature");
}

TEST(ApplyBatch, UnknownExecutionsAndForeignReportsAreSkipped) {
  World w(1);
  DeviceRequest ghost = w.sent[0];
  ghost.request_id = "task-4242-1";
  DeviceReport foreign = ProgressReport(w.sent[0], ExecState::kDownloading, 20);
  foreign.device_id = "d9";
  DeviceReport not_ours = foreign;
  not_ours.request_id = "cfg-17";
  absl::StatusOr<ReportsOutcome> out = w.reports.ApplyBatch(
      {ProgressReport(ghost, ExecState::kDownloading, 10), Answer(ghost, 200), foreign, not_ours,
       ProgressReport(w.sent[0], ExecState::kDownloading, 30), Version("d7", "2.0.0")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->unknown, 2);
  EXPECT_EQ(out->ignored, 2);
  EXPECT_EQ(out->applied, 1);
  EXPECT_EQ(out->confirmed, 0);
  EXPECT_EQ(w.Exec(0).percent, 30);
}

TEST(ApplyBatch, AllOrNothingOnStoreErrors) {
  World w(1);
  w.store.FailWith(absl::UnavailableError("db down"));
  absl::StatusOr<ReportsOutcome> out =
      w.reports.ApplyBatch({ProgressReport(w.sent[0], ExecState::kDownloading, 30)});
  EXPECT_TRUE(absl::IsUnavailable(out.status()));
  w.store.FailWith(absl::OkStatus());
  EXPECT_EQ(w.Exec(0).state, ExecState::kSent);
  EXPECT_TRUE(w.reports.ApplyBatch({}).ok());
}

// Property: a batch leaves every execution exactly as applying its reports one at a time does
// (version reports last, the newest per device, as documented); only the timeline may be
// shorter.
TEST(ApplyBatch, SameExecutionsAsOneByOne) {
  std::mt19937 rng(7);
  const ExecState steps[] = {ExecState::kDownloading, ExecState::kVerifying, ExecState::kInstalling,
                             ExecState::kRebooting, ExecState::kSucceeded, ExecState::kFailed};
  for (int round = 0; round < 2000; ++round) {
    World batched(3, 2), single(3, 2);
    std::vector<DeviceReport> batch, versions;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const DeviceRequest& r = batched.sent[rng() % 2];
      switch (rng() % 8) {
        case 0: batch.push_back(Answer(r, rng() % 2 ? 200 : 500, rng() % 2 ? "x" : "")); break;
        case 1: batch.push_back(Log(r, "line")); break;
        case 2: versions.push_back(Version(r.device_id, rng() % 2 ? "2.0.0" : "1.0.0")); break;
        default:
          batch.push_back(ProgressReport(r, steps[rng() % 6], static_cast<int>(rng() % 5) * 30 - 10,
                                         rng() % 4 ? "" : "m"));
      }
    }
    std::vector<DeviceReport> all = batch;
    all.insert(all.end(), versions.begin(), versions.end());
    ASSERT_TRUE(batched.reports.ApplyBatch(all).ok());
    for (const DeviceReport& r : batch) ASSERT_TRUE(single.reports.ApplyBatch({r}).ok());
    std::map<std::string, DeviceReport> newest;  // per device, the newest version report wins
    for (const DeviceReport& r : versions) newest[r.device_id] = r;
    for (const auto& [device, r] : newest) ASSERT_TRUE(single.reports.ApplyBatch({r}).ok());
    for (int i = 0; i < 3; ++i) {
      Execution b = batched.Exec(i), o = single.Exec(i);
      o.campaign_id = b.campaign_id;  // generated ids differ between the two stores
      EXPECT_EQ(b, o) << "round " << round << " execution " << i << ": " << Name(b.state) << "/"
                      << Name(o.state) << " " << b.percent << "/" << o.percent;
      EXPECT_LE(batched.Timeline(i).size(), single.Timeline(i).size());
    }
  }
}

}  // namespace
}  // namespace fleet::task
