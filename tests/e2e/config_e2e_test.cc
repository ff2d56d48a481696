// Configuration push, black-box over real processes: fleet-sim -> kafka-dev -> device-online
// (Redis + PostgreSQL) -> fleet.presence -> device-config (PostgreSQL) -> config.apply -> sim.
//  1. A device that is offline while versions 2..4 are set receives only version 4 when it comes
//     back (pushes to devices not online are parked; the online transition re-pushes).
//  2. Restarting device-config and device-online sends nothing to any device.
#include <rapidjson/document.h>

#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fleet/config/v1/device_config.grpc.pb.h"
#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "fleet/presence/v1/presence.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"

namespace fleet {
namespace {

using testing::Process;
using testing::WaitFor;

constexpr int kDevices = 4;

std::string DeviceId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "dev-%06d", i);
  return buf;
}

class ConfigE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    {
      pqxx::connection c(pg_->url());
      pqxx::nontransaction tx(c);
      tx.exec("CREATE DATABASE fleet_presence");
      tx.exec("CREATE DATABASE fleet_registry");
    }
    // Downlink topics exist up front, as on a provisioned broker (each new topic would cost the
    // simulator's consumer group a rebalance on kafka-dev).
    std::vector<std::pair<std::string, int>> topics = {{"edge.up", 8}, {"fleet.presence", 4}};
    for (int i = 0; i < kDevices; ++i) topics.push_back({"edge." + DeviceId(i) + ".down", 1});
    auto kafka = kafka::testing::StartKafkaDev(topics);
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = std::move(*kafka);

    StartDeviceOnline();
    StartDeviceConfig();
    sim_port_ = testing::FreePort();
    auto sim = Process::Spawn({Bin("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                               "--devices=" + std::to_string(kDevices), "--heartbeat_interval=1s",
                               "--control_port=" + std::to_string(sim_port_), "--config_latency=100ms"});
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);

    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(config_port_), grpc::InsecureChannelCredentials());
    registry_ = config::v1::DeviceRegistry::NewStub(channel);
    configs_ = config::v1::DeviceConfigService::NewStub(channel);
    presence_ = presence::v1::DeviceOnline::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(online_port_), grpc::InsecureChannelCredentials()));
    ASSERT_TRUE(WaitFor([&] { return CreateDevice(DeviceId(0)); }, absl::Seconds(30)).ok())
        << "device-config did not come up";
    for (int i = 1; i < kDevices; ++i) ASSERT_TRUE(CreateDevice(DeviceId(i)));
  }

  void TearDown() override {
    if (HasFailure()) {
      if (online_) std::cerr << "--- device-online log tail:\n" << online_->LogTail(3000) << "\n";
      if (config_) std::cerr << "--- device-config log tail:\n" << config_->LogTail(4000) << "\n";
      if (sim_) std::cerr << "--- sim log tail:\n" << sim_->LogTail(4000) << "\n";
    }
  }

  static std::string Bin(const std::string& rel) {
    std::string path = testing::Runfile(rel);
    EXPECT_FALSE(path.empty()) << rel << " is not in the runfiles";
    return path;
  }

  std::string Db(const std::string& name) {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(pg_->port()) + "/" + name;
  }

  void StartDeviceOnline() {
    if (online_port_ == 0) online_port_ = testing::FreePort();
    auto p = Process::Spawn({Bin("services/device-online/device-online"),
                             "--grpc_address=127.0.0.1:" + std::to_string(online_port_), "--admin_port=0",
                             "--redis_addr=" + redis_->addr(), "--pg_url=" + Db("fleet_presence"),
                             "--kafka_bootstrap=" + kafka_->bootstrap(), "--heartbeat_interval=1s",
                             "--offline_after=3s", "--kafka_session_timeout=6s"});
    ASSERT_TRUE(p.ok()) << p.status();
    online_ = std::move(*p);
  }

  void StartDeviceConfig() {
    if (config_port_ == 0) config_port_ = testing::FreePort();
    auto p = Process::Spawn({Bin("services/device-config/device-config"),
                             "--grpc_address=127.0.0.1:" + std::to_string(config_port_), "--admin_port=0",
                             "--pg_url=" + Db("fleet_registry"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                             "--device_online=127.0.0.1:" + std::to_string(online_port_), "--push_rate=50"});
    ASSERT_TRUE(p.ok()) << p.status();
    config_ = std::move(*p);
  }

  bool CreateDevice(const std::string& id) {
    config::v1::CreateDeviceRequest req;
    req.mutable_device()->set_id(id);
    req.mutable_device()->set_model("gw-200");
    config::v1::Device out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    return registry_->CreateDevice(&ctx, req, &out).ok();
  }

  int64_t SetDesired(const std::string& id, const std::string& body) {
    config::v1::SetDesiredConfigRequest req;
    req.set_device(id);
    req.set_body_json(body);
    req.set_author("e2e");
    config::v1::ConfigVersion out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status st = configs_->SetDesiredConfig(&ctx, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.version();
  }

  config::v1::DeviceConfig GetConfig(const std::string& id) {
    config::v1::GetDeviceConfigRequest req;
    req.set_device(id);
    config::v1::DeviceConfig out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    (void)configs_->GetDeviceConfig(&ctx, req, &out);
    return out;
  }

  presence::v1::State PresenceOf(const std::string& id) {
    presence::v1::GetPresenceRequest req;
    req.set_name(id);
    presence::v1::Presence out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    if (!presence_->GetPresence(&ctx, req, &out).ok()) return presence::v1::STATE_UNSPECIFIED;
    return out.state();
  }

  // The simulator's record of what config.apply applied on `id`, versions in order.
  std::vector<int64_t> Applied(const std::string& id) {
    std::vector<int64_t> out;
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(sim_port_) + "/devices/" + id + "/config");
    if (!r.ok() || r->status != 200) return out;
    rapidjson::Document d;
    d.Parse(r->body.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("history")) return out;
    for (const auto& v : d["history"].GetArray()) out.push_back(v.GetInt64());
    return out;
  }

  int64_t SimStat(const std::string& key) {
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(sim_port_) + "/stats");
    if (!r.ok() || r->status != 200) return -1;
    rapidjson::Document d;
    d.Parse(r->body.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember(key.c_str())) return -1;
    return d[key.c_str()].GetInt64();
  }

  void Sim(const std::string& path) {
    auto r = http::Fetch("POST", "http://127.0.0.1:" + std::to_string(sim_port_) + path);
    ASSERT_TRUE(r.ok() && r->status == 200) << path;
  }

  static std::string Join(const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v) s += std::to_string(x) + " ";
    return s;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<kafka::testing::KafkaDevProcess> kafka_;
  std::unique_ptr<Process> online_, config_, sim_;
  int online_port_ = 0, config_port_ = 0, sim_port_ = 0;
  std::unique_ptr<config::v1::DeviceRegistry::Stub> registry_;
  std::unique_ptr<config::v1::DeviceConfigService::Stub> configs_;
  std::unique_ptr<presence::v1::DeviceOnline::Stub> presence_;
};

TEST_F(ConfigE2ETest, OfflineDeviceGetsOnlyTheNewestVersionAndRestartsPushNothing) {
  for (int i = 0; i < kDevices; ++i) {
    ASSERT_TRUE(WaitFor([&] { return PresenceOf(DeviceId(i)) == presence::v1::ONLINE; }, absl::Seconds(60)).ok())
        << DeviceId(i) << " never came online";
  }
  // Every device gets version 1 and reports it.
  for (int i = 0; i < kDevices; ++i) ASSERT_EQ(SetDesired(DeviceId(i), R"({"ntp":"a"})"), 1);
  for (int i = 0; i < kDevices; ++i) {
    ASSERT_TRUE(WaitFor([&] { return GetConfig(DeviceId(i)).sync_state() == config::v1::IN_SYNC; },
                        absl::Seconds(60)).ok())
        << DeviceId(i) << " applied " << Join(Applied(DeviceId(i)));
  }

  // Phase 1: dev-000001 goes offline; versions 2, 3 and 4 are set while it is away.
  const std::string away = DeviceId(1);
  Sim("/devices/" + away + ":silence?for=600s");
  ASSERT_TRUE(WaitFor([&] { return PresenceOf(away) == presence::v1::OFFLINE; }, absl::Seconds(30)).ok());
  for (int v = 2; v <= 4; ++v) {
    ASSERT_EQ(SetDesired(away, "{\"ntp\":\"v" + std::to_string(v) + "\"}"), v);
    absl::SleepFor(absl::Milliseconds(500));
  }
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(SimStat("requests_held_offline"), 0) << "nothing may be sent to an offline device";
  EXPECT_EQ(GetConfig(away).sync_state(), config::v1::PENDING);
  Sim("/devices/" + away + ":resume");
  ASSERT_TRUE(WaitFor([&] { return GetConfig(away).sync_state() == config::v1::IN_SYNC; }, absl::Seconds(60)).ok())
      << "applied " << Join(Applied(away));
  const std::vector<int64_t> applied = Applied(away);
  std::cerr << "versions applied by " << away << ", in order: " << Join(applied) << "\n";
  EXPECT_EQ(applied, (std::vector<int64_t>{1, 4})) << "only the newest version after coming back";

  // Phase 2: restart device-config and device-online; nothing reaches any device.
  absl::SleepFor(absl::Seconds(2));
  const int64_t received_before = SimStat("downlink_received");
  const int64_t applies_before = SimStat("config_applies");
  ASSERT_GT(received_before, 0);
  ASSERT_TRUE(config_->Terminate().ok());
  ASSERT_TRUE(online_->Terminate().ok());
  StartDeviceOnline();
  StartDeviceConfig();
  ASSERT_TRUE(WaitFor([&] { return GetConfig(DeviceId(0)).sync_state() == config::v1::IN_SYNC; },
                      absl::Seconds(30)).ok());
  ASSERT_TRUE(WaitFor([&] { return PresenceOf(DeviceId(0)) == presence::v1::ONLINE; }, absl::Seconds(30)).ok());
  // Long enough for both consumer groups to rejoin and for heartbeats to flow again.
  absl::SleepFor(absl::Seconds(15));
  EXPECT_EQ(SimStat("downlink_received"), received_before) << "a restart sent something to a device";
  EXPECT_EQ(SimStat("config_applies"), applies_before);
  for (int i = 0; i < kDevices; ++i) {
    EXPECT_EQ(PresenceOf(DeviceId(i)), presence::v1::ONLINE) << DeviceId(i);
    EXPECT_EQ(GetConfig(DeviceId(i)).sync_state(), config::v1::IN_SYNC) << DeviceId(i);
  }
}

}  // namespace
}  // namespace fleet
