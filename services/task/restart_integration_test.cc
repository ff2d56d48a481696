// The real task binary against real PostgreSQL, kafka-dev and the fleet-sim binary, with
// in-process stand-ins for device-online (presence from the simulated heartbeats) and
// device-config: kill -9 the service in the middle of a campaign and start it again. The
// campaign completes and no device is started twice.
#include <rapidjson/document.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "fleet/presence/v1/presence.grpc.pb.h"
#include "fleet/task/v1/task.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/http/client.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/testing/process.h"
#include "libs/testing/runfiles.h"
#include "services/task/edge/heartbeat_presence.h"
#include "services/task/storage/test_db.h"

namespace fleet::task {
namespace {

using fleet::testing::Process;
using fleet::testing::Runfile;
using fleet::testing::WaitFor;

constexpr int kDevices = 200;

class FakeOnline : public presence::v1::DeviceOnline::Service {
 public:
  explicit FakeOnline(PresenceSource& source) : source_(source) {}
  grpc::Status BatchGetPresence(grpc::ServerContext*, const presence::v1::BatchGetPresenceRequest* req,
                                presence::v1::BatchGetPresenceResponse* resp) override {
    auto got = source_.Lookup({req->device_ids().begin(), req->device_ids().end()});
    for (const std::string& id : req->device_ids()) {
      auto it = got->find(id);
      if (it == got->end()) {
        resp->add_missing(id);
        continue;
      }
      presence::v1::Presence* p = resp->add_presences();
      p->set_device_id(id);
      p->set_state(it->second.online ? presence::v1::ONLINE : presence::v1::OFFLINE);
      p->mutable_board()->set_firmware_version(it->second.firmware_version);
    }
    return grpc::Status::OK;
  }

 private:
  PresenceSource& source_;
};

class FakeRegistry : public config::v1::DeviceRegistry::Service {
 public:
  grpc::Status BatchGetDevices(grpc::ServerContext*, const config::v1::BatchGetDevicesRequest* req,
                               config::v1::BatchGetDevicesResponse* resp) override {
    for (const std::string& name : req->names()) {
      config::v1::Device* d = resp->add_devices();
      d->set_id(name);
      d->set_model("gw-200");
    }
    return grpc::Status::OK;
  }
};

int64_t SimStat(int port, const char* key) {
  auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/stats");
  if (!r.ok() || r->status != 200) return -1;
  rapidjson::Document doc;
  doc.Parse(r->body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(key)) return -1;
  return doc[key].GetInt64();
}

TEST(TaskRestart, KillNineMidCampaignLosesNothingAndSendsNothingTwice) {
  auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 8}, {"task.down", 4}});
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  auto pool = testing::FreshDatabase(2);
  ASSERT_TRUE(pool.ok()) << pool.status();
  const std::string pg_url = (*pool)->options().url;

  testing::HeartbeatPresence presence(absl::Seconds(3));
  auto beats = kafka::Consumer::Create(
      {.bootstrap = (*kafka)->bootstrap(), .group_id = "it-presence", .topics = {"edge.up"}});
  ASSERT_TRUE(beats.ok()) << beats.status();
  std::atomic<bool> stop{false};
  std::thread beats_thread([&] { presence.Run(**beats, stop); });
  FakeOnline online(presence);
  FakeRegistry registry;
  auto deps = grpcx::Server::Start({}, {&online, &registry}, std::make_shared<prometheus::Registry>());
  ASSERT_TRUE(deps.ok()) << deps.status();
  const std::string deps_target = "127.0.0.1:" + std::to_string((*deps)->port());

  const int sim_port = fleet::testing::FreePort();
  auto sim = Process::Spawn({Runfile("edge/sim/fleet-sim"), "--kafka_bootstrap=" + (*kafka)->bootstrap(),
                             "--devices=" + std::to_string(kDevices), "--id_prefix=dev-",
                             "--heartbeat_interval=500ms", "--control_port=" + std::to_string(sim_port),
                             "--downlink_template=task.down", "--downlink_group=sim-restart",
                             "--firmware_step_time=100ms", "--firmware_reboot_time=500ms"});
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE(WaitFor([&] { return presence.Online() == kDevices; }, absl::Seconds(30)).ok());

  const int grpc_port = fleet::testing::FreePort();
  const std::vector<std::string> argv = {
      Runfile("services/task/task"), "--pg_url=" + pg_url, "--kafka_bootstrap=" + (*kafka)->bootstrap(),
      "--grpc_address=127.0.0.1:" + std::to_string(grpc_port), "--admin_port=0",
      "--device_online=" + deps_target, "--device_config=" + deps_target,
      "--downlink_template=task.down", "--tick_interval=100ms", "--kafka_session_timeout=6s",
      "--offline_recheck=1s"};
  auto service = Process::Spawn(argv);
  ASSERT_TRUE(service.ok()) << service.status();
  auto stub = v1::TaskService::NewStub(grpcx::Dial("127.0.0.1:" + std::to_string(grpc_port)));
  auto call = [&](auto fn, const auto& req, auto* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return ((*stub).*fn)(&ctx, req, resp);
  };

  v1::CreateArtifactRequest ca;
  ca.mutable_artifact()->set_display_name("gw firmware");
  ca.mutable_artifact()->set_kind(v1::FIRMWARE);
  ca.mutable_artifact()->set_version("4.0.0");
  ca.mutable_artifact()->set_url("https://cdn.example.com/gw-4.0.0.bin");
  ca.mutable_artifact()->set_sha256(std::string(64, '4'));
  ca.mutable_artifact()->set_size_bytes(1 << 20);
  v1::Artifact artifact;
  ASSERT_TRUE(WaitFor([&] { return call(&v1::TaskService::Stub::CreateArtifact, ca, &artifact).ok(); },
                      absl::Seconds(20))
                  .ok())
      << (*service)->LogTail(3000);

  v1::CreateCampaignRequest cc;
  cc.set_operator_id("it");
  cc.mutable_spec()->set_kind(v1::CAMPAIGN_FIRMWARE);
  cc.mutable_spec()->set_artifact(artifact.name());
  for (int i = 0; i < kDevices; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "dev-%06d", i);
    cc.mutable_spec()->mutable_targets()->add_device_ids(id);
  }
  cc.mutable_spec()->mutable_rollout()->set_batch_size(20);
  cc.mutable_spec()->mutable_timeouts()->mutable_ack()->set_seconds(60);
  v1::Campaign campaign;
  grpc::Status st = call(&v1::TaskService::Stub::CreateCampaign, cc, &campaign);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::GetCampaignRequest get;
  get.set_name(campaign.name());
  auto current = [&] {
    v1::Campaign c;
    call(&v1::TaskService::Stub::GetCampaign, get, &c);
    return c;
  };

  // Kill -9 once a third is done, while a batch is in flight; then start again.
  ASSERT_TRUE(WaitFor([&] { return current().counts().succeeded() >= kDevices / 3; }, absl::Seconds(60)).ok());
  (*service)->Kill();
  const int64_t at_kill = SimStat(sim_port, "firmware_upgrades");
  auto restarted = Process::Spawn(argv);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_TRUE(WaitFor([&] { return current().state() == v1::CAMPAIGN_COMPLETED; }, absl::Seconds(90)).ok())
      << "succeeded " << current().counts().succeeded() << "\n" << (*restarted)->LogTail(3000);

  const v1::Campaign done = current();
  EXPECT_EQ(done.counts().succeeded(), kDevices);
  EXPECT_EQ(SimStat(sim_port, "firmware_upgrades"), kDevices);  // nobody started twice
  EXPECT_EQ(SimStat(sim_port, "firmware_reboots"), kDevices);
  std::cerr << "upgrades started before the kill: " << at_kill
            << ", re-sent requests dropped by devices: " << SimStat(sim_port, "firmware_duplicates") << "\n";
  v1::ListExecutionsRequest le;
  le.set_campaign(campaign.name());
  le.set_page_size(1000);
  v1::ListExecutionsResponse execs;
  ASSERT_TRUE(call(&v1::TaskService::Stub::ListExecutions, le, &execs).ok());
  ASSERT_EQ(execs.executions_size(), kDevices);
  for (const v1::Execution& e : execs.executions()) EXPECT_EQ(e.attempt(), 1) << e.device_id();
  EXPECT_TRUE((*restarted)->Terminate().ok());

  stop = true;
  beats_thread.join();
}

}  // namespace
}  // namespace fleet::task
