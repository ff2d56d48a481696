// Manual (tags: manual): how fast one replica starts devices and applies their reports on a
// local PostgreSQL. Prints devices/min started and reports/s applied; asserts only correctness.
//   bazel test //services/task/storage:pg_throughput_test --test_output=streamed
#include <algorithm>
#include <iostream>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/reports.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"
#include "services/task/storage/pg_store.h"
#include "services/task/storage/test_db.h"

namespace fleet::task {
namespace {

TEST(PgThroughput, StartAndConfirmTwentyThousandDevices) {
  constexpr int kDevices = 20'000;
  auto pool = testing::FreshDatabase(8);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgStore store(**pool);
  RealClock clock;
  testing::FakeDirectory directory;
  testing::FakeChannel channel;
  testing::FakePresence presence;
  TaskManager tasks(store, store, directory, clock);
  RolloutOptions options;
  options.max_candidates = 5000;
  Rollout rollout(store, store, channel, presence, directory, clock, options);
  DeviceReports reports(store, clock);

  Artifact a;
  a.display_name = "fw";
  a.version = "2.0.0";
  a.url = "https://cdn/fw.bin";
  a.sha256 = std::string(64, 'a');
  a.size_bytes = 1;
  a = *tasks.CreateArtifact(a);
  CampaignSpec s;
  s.artifact_id = a.id;
  for (int i = 0; i < kDevices; ++i) s.targets.device_ids.push_back("dev-" + std::to_string(i));
  s.batch_size = kDevices;
  absl::Time t0 = absl::Now();
  absl::StatusOr<Campaign> c = tasks.CreateCampaign("load", s, "bench");
  ASSERT_TRUE(c.ok()) << c.status();
  std::cerr << "create with " << kDevices << " targets: " << absl::FormatDuration(absl::Now() - t0) << "\n";

  t0 = absl::Now();
  while (static_cast<int>(channel.Sent().size()) < kDevices) {
    absl::StatusOr<TickReport> r = rollout.Tick();
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->errors.empty()) << r->errors[0];
  }
  const double start_s = absl::ToDoubleSeconds(absl::Now() - t0);
  std::cerr << "started " << kDevices << " devices in " << start_s << " s = "
            << static_cast<int>(kDevices / start_s * 60) << " devices/min\n";

  const std::vector<DeviceRequest> sent = channel.Sent();
  auto progress = [](const DeviceRequest& r, ExecState state, int percent) {
    DeviceReport p;
    p.kind = DeviceReport::Kind::kProgress;
    p.device_id = r.device_id;
    p.request_id = r.request_id;
    p.progress = {0, state, percent, "", ""};
    return p;
  };

  // The old path for comparison: one report, one transaction (first 1,000 devices).
  constexpr int kSingle = 1000;
  t0 = absl::Now();
  for (int i = 0; i < kSingle; ++i) {
    ASSERT_TRUE(*reports.OnProgress(sent[i].device_id, sent[i].request_id,
                                    {0, ExecState::kDownloading, 50, "", ""}));
  }
  double s1 = absl::ToDoubleSeconds(absl::Now() - t0);
  std::cerr << "one report per transaction: " << kSingle << " reports in " << s1 << " s = "
            << static_cast<int>(kSingle / s1) << " reports/s\n";

  // The uplink consumer's path: poll batches of 2,000 reports, one transaction each. Step-major,
  // so no batch holds two reports of one execution (nothing can be folded: the worst case):
  // DOWNLOADING 100, INSTALLING, REBOOTING, then the heartbeat with the new version.
  constexpr size_t kBatch = 2000;
  std::vector<DeviceReport> all;
  for (ExecState step : {ExecState::kDownloading, ExecState::kInstalling, ExecState::kRebooting}) {
    for (const DeviceRequest& r : sent) all.push_back(progress(r, step, 100));
  }
  for (const DeviceRequest& r : sent) {
    DeviceReport v;
    v.kind = DeviceReport::Kind::kVersion;
    v.device_id = r.device_id;
    v.version = "2.0.0";
    all.push_back(v);
  }
  ReportsOutcome total;
  t0 = absl::Now();
  for (size_t i = 0; i < all.size(); i += kBatch) {
    std::vector<DeviceReport> batch(all.begin() + i, all.begin() + std::min(all.size(), i + kBatch));
    absl::StatusOr<ReportsOutcome> out = reports.ApplyBatch(batch);
    ASSERT_TRUE(out.ok()) << out.status();
    total.applied += out->applied;
    total.confirmed += out->confirmed;
  }
  const double report_s = absl::ToDoubleSeconds(absl::Now() - t0);
  std::cerr << "batched: " << all.size() << " reports in " << report_s << " s = "
            << static_cast<int>(all.size() / report_s) << " reports/s (batches of " << kBatch
            << ", one transaction each, one thread)\n";
  EXPECT_EQ(total.applied, 3 * kDevices);
  EXPECT_EQ(total.confirmed, kDevices);
  ASSERT_TRUE(rollout.Tick().ok());
  EXPECT_EQ(tasks.GetCampaign(c->id)->state, CampaignState::kCompleted);
}

}  // namespace
}  // namespace fleet::task
