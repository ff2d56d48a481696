// Several replicas (threads, each with its own pool, store and rollout) working one campaign on
// one PostgreSQL: every device gets each step exactly once.
#include <atomic>
#include <map>
#include <thread>

#include "gmock/gmock.h"
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

// Collects what every replica sent, for a device thread to answer later (never inside the
// dispatching transaction).
class SharedChannel : public DeviceChannel {
 public:
  absl::Status Send(const DeviceRequest& r) override {
    absl::MutexLock l(&mu_);
    all_.push_back(r);
    pending_.push_back(r);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::vector<DeviceRequest> TakePending() {
    absl::MutexLock l(&mu_);
    std::vector<DeviceRequest> out;
    out.swap(pending_);
    return out;
  }
  std::vector<DeviceRequest> All() {
    absl::MutexLock l(&mu_);
    return all_;
  }

 private:
  absl::Mutex mu_;
  std::vector<DeviceRequest> all_ ABSL_GUARDED_BY(mu_);
  std::vector<DeviceRequest> pending_ ABSL_GUARDED_BY(mu_);
};

struct Replica {
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<PgStore> store;
  std::unique_ptr<Rollout> rollout;
  std::unique_ptr<DeviceReports> reports;
};

class PgConcurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = testing::FreshDatabase(4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    admin_pool_ = *std::move(pool);
    admin_store_ = std::make_unique<PgStore>(*admin_pool_);
    tasks_ = std::make_unique<TaskManager>(*admin_store_, *admin_store_, directory_, clock_);
    for (int i = 0; i < 4; ++i) {
      Replica r;
      r.pool = *testing::ConnectAgain(*admin_pool_, 3);
      r.store = std::make_unique<PgStore>(*r.pool);
      RolloutOptions options;
      options.sweep_limit = 7;  // small, so sweepers overlap
      r.rollout = std::make_unique<Rollout>(*r.store, *r.store, channel_, presence_, directory_,
                                            clock_, options);
      r.reports = std::make_unique<DeviceReports>(*r.store, clock_);
      replicas_.push_back(std::move(r));
    }
    Artifact a;
    a.display_name = "fw";
    a.version = "2.0.0";
    a.url = "https://cdn/fw.bin";
    a.sha256 = std::string(64, 'f');
    a.size_bytes = 1;
    artifact_ = tasks_->CreateArtifact(a)->id;
  }

  Campaign Create(int devices, int batch, int in_flight) {
    CampaignSpec s;
    s.artifact_id = artifact_;
    for (int i = 0; i < devices; ++i) s.targets.device_ids.push_back("dev-" + std::to_string(i));
    s.batch_size = batch;
    s.max_in_flight = in_flight;
    s.ack_timeout = absl::Seconds(30);
    absl::StatusOr<Campaign> c = tasks_->CreateCampaign("many", s, "alice");
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  // Runs every replica's Tick in its own thread until `done`, with `device` answering.
  void RunReplicas(const std::function<bool()>& done, const std::function<void()>& device) {
    std::atomic<bool> stop{false};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (Replica& r : replicas_) {
      threads.emplace_back([&r, &stop, &errors] {
        while (!stop) {
          absl::StatusOr<TickReport> t = r.rollout->Tick();
          if (!t.ok() || !t->errors.empty()) ++errors;
        }
      });
    }
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (!done() && absl::Now() < give_up) device();
    stop = true;
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
  }

  FakeClock clock_;
  testing::FakeDirectory directory_;
  testing::FakePresence presence_;
  SharedChannel channel_;
  std::unique_ptr<pg::Pool> admin_pool_;
  std::unique_ptr<PgStore> admin_store_;
  std::unique_ptr<TaskManager> tasks_;
  std::vector<Replica> replicas_;
  std::string artifact_;
};

TEST_F(PgConcurrency, FourReplicasNeverSendAStepTwice) {
  constexpr int kDevices = 300;
  Campaign c = Create(kDevices, 25, 40);
  int answered = 0;
  RunReplicas(
      [&] { return tasks_->GetCampaign(c.id)->state == CampaignState::kCompleted; },
      [&] {
        std::vector<DeviceRequest> pending = channel_.TakePending();
        for (const DeviceRequest& r : pending) {
          DeviceReports& reports = *replicas_[answered++ % replicas_.size()].reports;
          ASSERT_TRUE(reports.OnProgress(r.device_id, r.request_id, {0, ExecState::kRebooting, 100, "", ""}).ok());
          ASSERT_TRUE(reports.OnVersions({{r.device_id, "2.0.0"}}).ok());
        }
        if (pending.empty()) absl::SleepFor(absl::Milliseconds(2));
      });
  Campaign done = *tasks_->GetCampaign(c.id);
  EXPECT_EQ(done.state, CampaignState::kCompleted);
  EXPECT_EQ(done.counts.succeeded, kDevices);
  std::map<std::string, int> per_device;
  for (const DeviceRequest& r : channel_.All()) ++per_device[r.device_id];
  EXPECT_EQ(per_device.size(), static_cast<size_t>(kDevices));
  for (const auto& [device, n] : per_device) EXPECT_EQ(n, 1) << device;
  // Batches were respected: 12 batches of 25.
  EXPECT_EQ(done.cursor.batch, kDevices / 25 - 1);
}

TEST_F(PgConcurrency, ConcurrentSweepsTimeOutEachStepOnce) {
  constexpr int kDevices = 120;
  Campaign c = Create(kDevices, kDevices, kDevices);
  ASSERT_TRUE(replicas_[0].rollout->Tick().ok());
  ASSERT_EQ(channel_.All().size(), static_cast<size_t>(kDevices));
  clock_.Advance(absl::Seconds(31));
  RunReplicas([&] { return tasks_->GetCampaign(c.id)->state == CampaignState::kCompleted; },
              [] { absl::SleepFor(absl::Milliseconds(5)); });
  Campaign done = *tasks_->GetCampaign(c.id);
  EXPECT_EQ(done.counts.timed_out, kDevices);
  int timeouts = 0;
  int64_t after = 0;
  while (true) {
    absl::StatusOr<Page<Event>> page = tasks_->Timeline(c.id, "", after, 500);
    ASSERT_TRUE(page.ok());
    for (const Event& e : page->items) {
      if (e.kind == Event::Kind::kState && e.state == ExecState::kTimedOut) ++timeouts;
      after = e.seq;
    }
    if (!page->more) break;
  }
  EXPECT_EQ(timeouts, kDevices);
  EXPECT_EQ(channel_.All().size(), static_cast<size_t>(kDevices));
}

}  // namespace
}  // namespace fleet::task
