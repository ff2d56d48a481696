// Manual (tags: manual): how fast one replica starts devices and applies their reports on a
// local PostgreSQL. Prints devices/min started and reports/s applied; asserts only correctness.
//   bazel test //services/task/storage:pg_throughput_test --test_output=streamed
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

  t0 = absl::Now();
  int applied = 0;
  std::vector<std::pair<std::string, std::string>> versions;
  for (const DeviceRequest& r : channel.Sent()) {
    ASSERT_TRUE(*reports.OnProgress(r.device_id, r.request_id, {0, ExecState::kRebooting, 100, "", ""}));
    ++applied;
    versions.emplace_back(r.device_id, "2.0.0");
    if (versions.size() == 1000) {
      ASSERT_TRUE(reports.OnVersions(versions).ok());
      applied += 1000;
      versions.clear();
    }
  }
  const double report_s = absl::ToDoubleSeconds(absl::Now() - t0);
  std::cerr << "applied " << applied << " reports in " << report_s << " s = "
            << static_cast<int>(applied / report_s) << " reports/s (one thread)\n";
  ASSERT_TRUE(rollout.Tick().ok());
  EXPECT_EQ(tasks.GetCampaign(c->id)->state, CampaignState::kCompleted);
}

}  // namespace
}  // namespace fleet::task
