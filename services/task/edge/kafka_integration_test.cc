// Real PostgreSQL + kafka-dev + the fleet-sim binary (500 devices): campaigns driven by the
// rollout (in-process, PgStore, Kafka channel) and the uplink consumer. Presence comes from the
// simulated heartbeats on edge.up (a stand-in for device-online, which is tested elsewhere).
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/testing/process.h"
#include "libs/testing/runfiles.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/reports.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"
#include "services/task/edge/kafka_channel.h"
#include "services/task/edge/messages.h"
#include "services/task/edge/uplink_consumer.h"
#include "services/task/edge/heartbeat_presence.h"
#include "services/task/storage/pg_store.h"
#include "services/task/storage/test_db.h"

namespace fleet::task {
namespace {

using fleet::testing::Process;
using fleet::testing::Runfile;
using fleet::testing::WaitFor;
using testing::HeartbeatPresence;

constexpr int kDevices = 500;
constexpr int kBadDevices = 20;
constexpr char kDownlink[] = "task.down";

struct Sim {
  std::unique_ptr<Process> process;
  int port = 0;
  int64_t Stat(const char* key) const {
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/stats");
    if (!r.ok() || r->status != 200) return -1;
    rapidjson::Document doc;
    doc.Parse(r->body.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(key)) return -1;
    return doc[key].GetInt64();
  }
};

class TaskKafkaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 8}, {kDownlink, 4}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = kafka->release();
    auto pool = testing::FreshDatabase(8);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
    store_ = new PgStore(*pool_);
    auto producer = kafka::Producer::Create({.bootstrap = kafka_->bootstrap()});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = producer->release();
    channel_ = new KafkaDeviceChannel(*producer_, {.downlink_template = kDownlink}, clock_);
    presence_ = new HeartbeatPresence(absl::Seconds(3));
    tasks_ = new TaskManager(*store_, *store_, directory_, clock_);
    RolloutOptions options;
    options.offline_recheck = absl::Seconds(1);
    rollout_ = new Rollout(*store_, *store_, *channel_, *presence_, directory_, clock_, options);
    reports_ = new DeviceReports(*store_, clock_);
    registry_ = new prometheus::Registry();
    metrics_ = new UplinkMetrics(*registry_);

    auto uplink = kafka::Consumer::Create(
        {.bootstrap = kafka_->bootstrap(), .group_id = "task", .topics = {"edge.up"}});
    ASSERT_TRUE(uplink.ok()) << uplink.status();
    uplink_ = uplink->release();
    auto beats = kafka::Consumer::Create(
        {.bootstrap = kafka_->bootstrap(), .group_id = "it-presence", .topics = {"edge.up"}});
    ASSERT_TRUE(beats.ok()) << beats.status();
    beats_ = beats->release();
    consumer_ = new UplinkConsumer(*uplink_, *reports_, *metrics_, clock_);
    threads_.emplace_back([] { consumer_->Run(stop_); });
    threads_.emplace_back([] { presence_->Run(*beats_, stop_); });
    threads_.emplace_back([] {
      while (!stop_) {
        absl::StatusOr<TickReport> r = rollout_->Tick();
        if (!r.ok() || (r->sent == 0 && r->timed_out == 0)) absl::SleepFor(absl::Milliseconds(100));
      }
    });

    StartSim(sim_, "dev-", kDevices, 0);
    StartSim(bad_, "bad-", kBadDevices, 1);  // every upgrade fails
    ASSERT_TRUE(WaitFor([] { return presence_->Online() == kDevices + kBadDevices; }, absl::Seconds(30)).ok())
        << presence_->Online() << " online";
  }

  static void StartSim(Sim& sim, const std::string& prefix, int devices, double fail_rate) {
    sim.port = fleet::testing::FreePort();
    auto p = Process::Spawn({Runfile("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                             "--devices=" + std::to_string(devices), "--id_prefix=" + prefix,
                             "--heartbeat_interval=500ms", "--control_port=" + std::to_string(sim.port),
                             std::string("--downlink_template=") + kDownlink, "--downlink_group=sim-" + prefix,
                             "--firmware_step_time=50ms", "--firmware_reboot_time=500ms",
                             "--firmware_fail_rate=" + std::to_string(fail_rate)});
    ASSERT_TRUE(p.ok()) << p.status();
    sim.process = std::move(*p);
  }

  static void TearDownTestSuite() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    sim_.process.reset();
    bad_.process.reset();
    delete consumer_;
    delete uplink_;
    delete beats_;
    delete metrics_;
    delete registry_;
    delete reports_;
    delete rollout_;
    delete tasks_;
    delete presence_;
    delete channel_;
    delete producer_;
    delete store_;
    delete pool_;
    delete kafka_;
  }

  void TearDown() override {
    for (Sim* sim : {&sim_, &bad_}) {
      if (HasFailure() && sim->process) std::cerr << "--- sim log tail:\n" << sim->process->LogTail(4000) << "\n";
    }
  }

  static std::string Artifact(const std::string& version) {
    task::Artifact a;
    a.display_name = "gw firmware";
    a.version = version;
    a.url = "https://cdn.example.com/gw-" + version + ".bin";
    a.sha256 = std::string(64, '7');
    a.size_bytes = 8 << 20;
    absl::StatusOr<task::Artifact> got = tasks_->CreateArtifact(a);
    EXPECT_TRUE(got.ok()) << got.status();
    return got->id;
  }

  static Campaign Current(const std::string& id) { return *tasks_->GetCampaign(id); }

  static inline kafka::testing::KafkaDevProcess* kafka_ = nullptr;
  static inline pg::Pool* pool_ = nullptr;
  static inline PgStore* store_ = nullptr;
  static inline kafka::Producer* producer_ = nullptr;
  static inline RealClock clock_;
  static inline KafkaDeviceChannel* channel_ = nullptr;
  static inline HeartbeatPresence* presence_ = nullptr;
  static inline testing::FakeDirectory directory_;
  static inline TaskManager* tasks_ = nullptr;
  static inline Rollout* rollout_ = nullptr;
  static inline DeviceReports* reports_ = nullptr;
  static inline prometheus::Registry* registry_ = nullptr;
  static inline UplinkMetrics* metrics_ = nullptr;
  static inline kafka::Consumer* uplink_ = nullptr;
  static inline kafka::Consumer* beats_ = nullptr;
  static inline UplinkConsumer* consumer_ = nullptr;
  static inline std::vector<std::thread> threads_;
  static inline std::atomic<bool> stop_{false};
  static inline Sim sim_;
  static inline Sim bad_;
};

TEST_F(TaskKafkaTest, FiveHundredDevicesInBatchesOfFifty) {
  CampaignSpec s;
  s.artifact_id = Artifact("2.0.0");
  for (int i = 0; i < kDevices; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "dev-%06d", i);
    s.targets.device_ids.push_back(id);
  }
  s.batch_size = 50;
  s.ack_timeout = absl::Seconds(20);
  s.reboot_timeout = absl::Seconds(20);
  s.abort_overall = {20, 5};
  const absl::Time start = absl::Now();
  absl::StatusOr<Campaign> c = tasks_->CreateCampaign("500 in 50s", s, "it");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(WaitFor([&] { return Current(c->id).state != CampaignState::kRunning &&
                                   Current(c->id).state != CampaignState::kScheduled; },
                      absl::Seconds(90), absl::Milliseconds(200))
                  .ok())
      << "counts: queued " << Current(c->id).counts.queued << " in flight "
      << Current(c->id).counts.in_flight << " succeeded " << Current(c->id).counts.succeeded;
  const Campaign done = Current(c->id);
  std::cerr << "campaign finished in " << absl::FormatDuration(absl::Now() - start) << "\n";
  EXPECT_EQ(done.state, CampaignState::kCompleted) << done.state_reason;
  EXPECT_EQ(done.counts.succeeded, kDevices);
  EXPECT_EQ(done.cursor.batch, kDevices / 50 - 1);
  // Every device runs the new version (as its heartbeats say) and got exactly one request.
  ASSERT_TRUE(WaitFor([] { return presence_->OnVersion("dev-", "2.0.0") == kDevices; }, absl::Seconds(10)).ok());
  EXPECT_EQ(sim_.Stat("firmware_upgrades"), kDevices);
  EXPECT_EQ(sim_.Stat("firmware_reboots"), kDevices);
  EXPECT_EQ(sim_.Stat("firmware_duplicates"), 0);

  absl::StatusOr<Page<Event>> tl = tasks_->Timeline(c->id, "dev-000123", 0, 100);
  ASSERT_TRUE(tl.ok());
  // Every step once; DOWNLOADING once per percentage the consumer saw in a separate poll batch
  // (reports of one step polled together are folded into the newest), increasing.
  std::vector<std::string> states;
  std::vector<int> download_percents;
  for (const Event& e : tl->items) {
    if (e.kind != Event::Kind::kState) continue;
    if (e.state == ExecState::kDownloading) download_percents.push_back(e.percent);
    if (states.empty() || states.back() != Name(e.state)) states.push_back(std::string(Name(e.state)));
  }
  EXPECT_THAT(states, ::testing::ElementsAre("SENT", "DOWNLOADING", "VERIFYING", "INSTALLING",
                                             "REBOOTING", "SUCCEEDED"));
  EXPECT_GE(download_percents.size(), 1u);
  EXPECT_LE(download_percents.size(), 4u);
  EXPECT_TRUE(std::is_sorted(download_percents.begin(), download_percents.end()) &&
              std::adjacent_find(download_percents.begin(), download_percents.end()) ==
                  download_percents.end())
      << ::testing::PrintToString(download_percents);
  // Safe batches: batch k's first device was sent only after batch k-1's last one succeeded.
  absl::StatusOr<Page<Execution>> execs = store_->ListExecutions(c->id, std::nullopt, "", 1000);
  ASSERT_TRUE(execs.ok());
  std::map<std::string, int> batch_of;
  for (const Execution& e : execs->items) batch_of[e.device_id] = e.batch;
  std::map<int, absl::Time> first_sent, last_done;
  int64_t after = 0;
  while (true) {
    absl::StatusOr<Page<Event>> page = tasks_->Timeline(c->id, "", after, 1000);
    ASSERT_TRUE(page.ok());
    for (const Event& e : page->items) {
      after = e.seq;
      if (e.kind != Event::Kind::kState) continue;
      const int b = batch_of[e.device_id];
      if (e.state == ExecState::kSent) {
        auto [it, fresh] = first_sent.try_emplace(b, e.at);
        if (!fresh) it->second = std::min(it->second, e.at);
      } else if (e.state == ExecState::kSucceeded) {
        auto [it, fresh] = last_done.try_emplace(b, e.at);
        if (!fresh) it->second = std::max(it->second, e.at);
      }
    }
    if (!page->more) break;
  }
  ASSERT_EQ(first_sent.size(), 10u);
  for (int b = 1; b < 10; ++b) EXPECT_GE(first_sent[b], last_done[b - 1]) << "batch " << b;
}

TEST_F(TaskKafkaTest, CommandCampaignCapturesOutput) {
  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "uptime";
  s.targets.device_ids = {"dev-000001", "dev-000002", "dev-000003"};
  s.batch_size = 3;
  absl::StatusOr<Campaign> c = tasks_->CreateCampaign("uptime", s, "it");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(WaitFor([&] { return Current(c->id).state == CampaignState::kCompleted; }, absl::Seconds(30)).ok());
  EXPECT_EQ(Current(c->id).counts.succeeded, 3);
  absl::StatusOr<Page<Event>> tl = tasks_->Timeline(c->id, "dev-000002", 0, 100);
  ASSERT_TRUE(tl.ok());
  std::vector<std::string> lines;
  for (const Event& e : tl->items) {
    if (e.kind == Event::Kind::kLog) lines.push_back(e.message);
  }
  EXPECT_THAT(lines, ::testing::Contains("exit 0: ran uptime on dev-000002"));
}

TEST_F(TaskKafkaTest, FailuresAboveTheThresholdPauseTheCampaignAndCancelStopsIt) {
  CampaignSpec s;
  s.artifact_id = Artifact("2.1.0");
  for (int i = 0; i < kBadDevices; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "bad-%06d", i);
    s.targets.device_ids.push_back(id);
  }
  s.batch_size = 5;
  s.abort_per_batch = {3, 50};
  absl::StatusOr<Campaign> c = tasks_->CreateCampaign("doomed", s, "it");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(WaitFor([&] { return Current(c->id).state == CampaignState::kPaused; }, absl::Seconds(30)).ok())
      << "state " << Name(Current(c->id).state);
  Campaign paused = Current(c->id);
  EXPECT_TRUE(paused.paused_by_abort);
  EXPECT_THAT(paused.state_reason, ::testing::HasSubstr("of batch 0 failed"));
  EXPECT_EQ(paused.counts.queued, kBadDevices - 5);  // nothing beyond the first batch was sent
  absl::StatusOr<Page<Execution>> failed = store_->ListExecutions(c->id, ExecState::kFailed, "", 100);
  ASSERT_TRUE(failed.ok());
  ASSERT_FALSE(failed->items.empty());
  EXPECT_EQ(failed->items[0].reason, "flash write error");

  absl::StatusOr<Campaign> canceled = tasks_->Cancel(c->id, "it", "bad build");
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->counts.canceled, kBadDevices - 5);
  const int64_t upgrades = bad_.Stat("firmware_upgrades");
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(bad_.Stat("firmware_upgrades"), upgrades);
  EXPECT_EQ(upgrades, 5);
}

TEST_F(TaskKafkaTest, OfflineDevicesWaitAndAreUpgradedWhenTheyReturn) {
  auto control = [](const std::string& device, const std::string& verb) {
    auto r = http::Fetch("POST", "http://127.0.0.1:" + std::to_string(sim_.port) + "/devices/" + device + ":" + verb);
    return r.ok() && r->status == 200;
  };
  ASSERT_TRUE(control("dev-000495", "silence"));
  ASSERT_TRUE(WaitFor([] { return presence_->Online() == kDevices + kBadDevices - 1; }, absl::Seconds(10)).ok());
  CampaignSpec s;
  s.artifact_id = Artifact("3.0.0");
  for (int i = 490; i < 500; ++i) s.targets.device_ids.push_back("dev-000" + std::to_string(i));
  s.batch_size = 10;
  absl::StatusOr<Campaign> c = tasks_->CreateCampaign("with one away", s, "it");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(WaitFor([&] { return Current(c->id).counts.succeeded == 9; }, absl::Seconds(30)).ok());
  Campaign waiting = Current(c->id);
  EXPECT_EQ(waiting.state, CampaignState::kRunning);
  EXPECT_EQ(waiting.counts.queued, 1);
  ASSERT_TRUE(control("dev-000495", "resume"));
  ASSERT_TRUE(WaitFor([&] { return Current(c->id).state == CampaignState::kCompleted; }, absl::Seconds(30)).ok());
  EXPECT_EQ(Current(c->id).counts.succeeded, 10);
  absl::StatusOr<Page<Execution>> dev = tasks_->ListDeviceExecutions("dev-000495", {}, 10);
  ASSERT_TRUE(dev.ok());
  ASSERT_EQ(dev->items.size(), 2u);  // this campaign and the 500-device one
  EXPECT_EQ(dev->items[0].state, ExecState::kSucceeded);
  EXPECT_EQ(dev->items[0].target_version, "3.0.0");
}

}  // namespace
}  // namespace fleet::task
