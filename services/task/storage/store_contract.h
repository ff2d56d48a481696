#pragma once

// The fixture of the store contract test (store_contract_*test.cc): one instance per backend
// ("memory" = the reference model, "postgres" = PgStore on a fresh database), with the use
// cases wired to it, a fake clock and fakes of the device side.
#include <functional>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/reports.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"
#include "services/task/storage/pg_store.h"
#include "services/task/storage/test_db.h"

namespace fleet::task {

struct Backend {
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<ArtifactStore> artifacts_owner;
  ArtifactStore* artifacts = nullptr;
  CampaignStore* campaigns = nullptr;
};

inline Backend MakeBackend(const std::string& kind) {
  Backend b;
  if (kind == "memory") {
    auto* m = new MemoryStore();
    b.artifacts_owner.reset(m);
    b.artifacts = m;
    b.campaigns = m;
  } else {
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = testing::FreshDatabase();
    EXPECT_TRUE(pool.ok()) << pool.status();
    b.pool = *std::move(pool);
    auto* p = new PgStore(*b.pool);
    b.artifacts_owner.reset(p);
    b.artifacts = p;
    b.campaigns = p;
  }
  return b;
}

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  StoreContract()
      : clock_(absl::FromUnixMicros(1'800'000'000'000'000)),
        backend_(MakeBackend(GetParam())),
        tasks_(*backend_.artifacts, *backend_.campaigns, directory_, clock_, {},
               [this](char p) { return std::string(1, p) + std::to_string(++ids_); }),
        rollout_(*backend_.artifacts, *backend_.campaigns, channel_, presence_, directory_, clock_),
        reports_(*backend_.campaigns, clock_) {}

  std::string NewArtifact(const std::string& version = "2.0.0", std::vector<std::string> models = {}) {
    Artifact a;
    a.display_name = "gw fw";
    a.version = version;
    a.url = "https://cdn/fw-" + version + ".bin";
    a.sha256 = std::string(64, 'd');
    a.size_bytes = 123;
    a.models = std::move(models);
    absl::StatusOr<Artifact> got = tasks_.CreateArtifact(a);
    EXPECT_TRUE(got.ok()) << got.status();
    return got->id;
  }

  Campaign NewCampaign(const std::string& artifact, int devices, int batch,
                       std::function<void(CampaignSpec&)> tweak = nullptr) {
    CampaignSpec s;
    s.artifact_id = artifact;
    for (int i = 0; i < devices; ++i) s.targets.device_ids.push_back("d" + std::to_string(i));
    s.batch_size = batch;
    s.ack_timeout = absl::Seconds(30);
    if (tweak) tweak(s);
    absl::StatusOr<Campaign> c = tasks_.CreateCampaign("contract", s, "alice");
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  TickReport Tick() {
    absl::StatusOr<TickReport> r = rollout_.Tick();
    EXPECT_TRUE(r.ok()) << r.status();
    for (const absl::Status& st : r->errors) ADD_FAILURE() << st;
    return *r;
  }

  void Progress(const DeviceRequest& r, ExecState s, int percent = -1) {
    absl::StatusOr<bool> ok = reports_.OnProgress(r.device_id, r.request_id, {0, s, percent, "", ""});
    ASSERT_TRUE(ok.ok()) << ok.status();
  }

  std::vector<std::string> DeviceTimeline(const std::string& device) {
    absl::StatusOr<Page<Event>> tl = tasks_.Timeline("", device, 0, 1000);
    EXPECT_TRUE(tl.ok()) << tl.status();
    std::vector<std::string> out;
    for (const Event& e : tl->items) {
      out.push_back(absl::StrCat(e.kind == Event::Kind::kLog ? "LOG " : "",
                                 std::string(Name(e.state)), " ", e.percent, " ", e.message));
    }
    return out;
  }

  FakeClock clock_;
  Backend backend_;
  testing::FakeDirectory directory_;
  testing::FakeChannel channel_;
  testing::FakePresence presence_;
  int ids_ = 0;
  TaskManager tasks_;
  Rollout rollout_;
  DeviceReports reports_;
};

}  // namespace fleet::task
