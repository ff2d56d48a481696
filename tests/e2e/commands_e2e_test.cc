// Live commands, black-box: gRPC DeviceCommands on device-online -> Kafka request on the device's
// downlink topic -> fleet-sim's camera -> answer on device-online's own reply topic. Offline
// devices fail fast without anything being sent; a slow device times out with DEVICE_TIMEOUT.
#include <rapidjson/document.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "fleet/presence/v1/presence.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"

namespace fleet {
namespace {

using testing::Process;
using testing::WaitFor;

class CommandsE2ETest : public ::testing::Test {
 public:
  static int BffPort() { return bff_port_; }

 protected:
  static void SetUpTestSuite() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = pg->release();
    std::vector<std::pair<std::string, int>> topics = {{"edge.up", 4}, {"fleet.presence", 2}};
    for (const char* d : {"cam-000000", "cam-000001", "slow-000000"}) topics.push_back({std::string("edge.") + d + ".down", 1});
    auto kafka = kafka::testing::StartKafkaDev(topics);
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = kafka->release();

    online_port_ = testing::FreePort();
    auto online = Process::Spawn({Bin("services/device-online/device-online"),
                                  "--grpc_address=127.0.0.1:" + std::to_string(online_port_), "--admin_port=0",
                                  "--redis_addr=" + redis_->addr(), "--pg_url=" + pg_->url(),
                                  "--kafka_bootstrap=" + kafka_->bootstrap(), "--heartbeat_interval=1s",
                                  "--offline_after=3s", "--replica_id=e2e-0"});
    ASSERT_TRUE(online.ok()) << online.status();
    online_ = online->release();
    bff_port_ = testing::FreePort();
    auto bff = Process::Spawn({Bin("bff/fleet-bff"), "--http_port=" + std::to_string(bff_port_),
                               "--device_online=127.0.0.1:" + std::to_string(online_port_),
                               "--redis=" + redis_->addr(), "--auth=disabled",
                               // The loop below is about the stream registry, not callers' limits.
                               "--user_rate_limits="});
    ASSERT_TRUE(bff.ok()) << bff.status();
    bff_ = bff->release();
    fast_ = StartSim("cam-", 2, "20ms");
    slow_ = StartSim("slow-", 1, "3s");
    stub_ = presence::v1::DeviceCommands::NewStub(
                grpc::CreateChannel("127.0.0.1:" + std::to_string(online_port_), grpc::InsecureChannelCredentials()))
                .release();
    presence_ = presence::v1::DeviceOnline::NewStub(
                    grpc::CreateChannel("127.0.0.1:" + std::to_string(online_port_), grpc::InsecureChannelCredentials()))
                    .release();
  }

  static void TearDownTestSuite() {
    delete stub_;
    delete presence_;
    for (auto* s : {fast_, slow_}) delete s;
    delete online_;
    delete bff_;
    delete kafka_;
    delete pg_;
    delete redis_;
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- device-online log tail:\n" << online_->LogTail(3000) << "\n";
      std::cerr << "--- sim log tail:\n" << fast_->process->LogTail(3000) << "\n";
    }
  }

  struct Sim {
    std::unique_ptr<Process> process;
    int port = 0;
  };

  static std::string Bin(const std::string& rel) { return testing::Runfile(rel); }

  static Sim* StartSim(const std::string& prefix, int devices, const std::string& latency) {
    auto* sim = new Sim;
    sim->port = testing::FreePort();
    auto p = Process::Spawn({Bin("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                             "--devices=" + std::to_string(devices), "--id_prefix=" + prefix,
                             "--heartbeat_interval=1s", "--control_port=" + std::to_string(sim->port),
                             "--downlink_group=sim-" + prefix, "--camera_latency=" + latency});
    EXPECT_TRUE(p.ok()) << p.status();
    if (p.ok()) sim->process = std::move(*p);
    return sim;
  }

  static int64_t Stat(Sim* sim, const char* key) {
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(sim->port) + "/stats");
    if (!r.ok() || r->status != 200) return -1;
    rapidjson::Document d;
    d.Parse(r->body.c_str());
    return d.IsObject() && d.HasMember(key) ? d[key].GetInt64() : -1;
  }

  static bool Online(const std::string& id) {
    presence::v1::GetPresenceRequest req;
    req.set_name(id);
    presence::v1::Presence out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    return presence_->GetPresence(&ctx, req, &out).ok() && out.state() == presence::v1::ONLINE;
  }

  static absl::StatusOr<presence::v1::CommandResult> Send(const std::string& device, const std::string& type,
                                                          const std::string& body, int timeout_ms = 0) {
    presence::v1::SendCommandRequest req;
    req.set_device_id(device);
    req.set_type(type);
    req.set_body_json(body);
    if (timeout_ms > 0) {
      req.mutable_timeout()->set_seconds(timeout_ms / 1000);
      req.mutable_timeout()->set_nanos((timeout_ms % 1000) * 1000000);
    }
    presence::v1::CommandResult out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status st = stub_->SendCommand(&ctx, req, &out);
    if (!st.ok()) return status::FromGrpc(st);
    return out;
  }

  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::PostgresServer* pg_ = nullptr;
  static inline kafka::testing::KafkaDevProcess* kafka_ = nullptr;
  static inline Process* online_ = nullptr;
  static inline Process* bff_ = nullptr;
  static inline int bff_port_ = 0;
  static inline int online_port_ = 0;
  static inline Sim* fast_ = nullptr;
  static inline Sim* slow_ = nullptr;
  static inline presence::v1::DeviceCommands::Stub* stub_ = nullptr;
  static inline presence::v1::DeviceOnline::Stub* presence_ = nullptr;
};

TEST_F(CommandsE2ETest, CommandsReachOnlineDevicesAndAnswersComeBack) {
  ASSERT_TRUE(WaitFor([] { return Online("cam-000000"); }, absl::Seconds(60)).ok());
  // The first request may wait for the simulator's group to join the downlink topics.
  absl::StatusOr<presence::v1::CommandResult> r;
  ASSERT_TRUE(WaitFor(
                  [&] {
                    r = Send("cam-000000", "camera.rotate", R"({"pan":45,"tilt":-10})", 5000);
                    return r.ok();
                  },
                  absl::Seconds(60), absl::Milliseconds(500))
                  .ok())
      << r.status();
  EXPECT_EQ(r->status_code(), 200);
  rapidjson::Document d;
  d.Parse(r->body_json().c_str());
  EXPECT_EQ(d["pan"].GetDouble(), 45);
  EXPECT_FALSE(r->request_id().empty());
  EXPECT_GT(r->latency().nanos() + r->latency().seconds() * 1000000000LL, 0);

  // Ten more in a row: every one answered, each by its own id.
  for (int i = 0; i < 10; ++i) {
    auto z = Send("cam-000000", "camera.zoom", "{\"level\":" + std::to_string(i + 1) + "}");
    ASSERT_TRUE(z.ok()) << z.status();
    rapidjson::Document zd;
    zd.Parse(z->body_json().c_str());
    EXPECT_EQ(zd["zoom"].GetInt(), i + 1);
  }

  auto snap = Send("cam-000000", "camera.snapshot", "{}");
  ASSERT_TRUE(snap.ok()) << snap.status();
  rapidjson::Document sd;
  sd.Parse(snap->body_json().c_str());
  std::string png;
  ASSERT_TRUE(absl::Base64Unescape(sd["image_base64"].GetString(), &png));
  EXPECT_EQ(png.substr(1, 3), "PNG");

  // The device's own refusal is a successful call carrying its status.
  auto bad = Send("cam-000000", "camera.zoom", R"({"level":99})");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->status_code(), 400);
}

static absl::StatusOr<http::ClientResponse> BffPost(const std::string& path, const std::string& body,
                                              std::map<std::string, std::string> headers = {}) {
  return http::Fetch("POST", "http://127.0.0.1:" + std::to_string(CommandsE2ETest::BffPort()) + path, body,
                     std::move(headers));
}

TEST_F(CommandsE2ETest, ThroughTheBffAStartStreamLoopIsOneDeviceCommand) {
  ASSERT_TRUE(WaitFor([] { return Online("cam-000000"); }, absl::Seconds(60)).ok());
  // First call may wait for the simulator's group.
  ASSERT_TRUE(WaitFor(
                  [] {
                    auto r = BffPost("/v1/devices/cam-000000/camera:zoom", R"({"level":2})");
                    return r.ok() && r->status == 200;
                  },
                  absl::Seconds(60), absl::Milliseconds(500))
                  .ok());
  const int64_t before = Stat(fast_, "camera_stream_starts");
  std::string stream_id;
  for (int i = 0; i < 1000; ++i) {
    auto r = BffPost("/v1/devices/cam-000000/camera:startStream", R"({"quality":"hd"})");
    ASSERT_TRUE(r.ok() && r->status == 200) << i << ": " << (r.ok() ? std::to_string(r->status) + " " + r->body : std::string(r.status().message()));
    rapidjson::Document d;
    d.Parse(r->body.c_str());
    if (i == 0) stream_id = d["stream"]["streamId"].GetString();
    ASSERT_EQ(stream_id, d["stream"]["streamId"].GetString());
  }
  EXPECT_EQ(Stat(fast_, "camera_stream_starts"), before + 1) << "the loop reached the gateway";
  // Idempotency-Key: the same rotate twice is one device command and the same answer.
  const int64_t commands = Stat(fast_, "camera_commands");
  auto a = BffPost("/v1/devices/cam-000000/camera:rotate", R"({"pan":12})", {{"Idempotency-Key", "rot-1"}});
  auto b = BffPost("/v1/devices/cam-000000/camera:rotate", R"({"pan":12})", {{"Idempotency-Key", "rot-1"}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(b->body, a->body);
  EXPECT_EQ(Stat(fast_, "camera_commands"), commands + 1);
  // A snapshot as an image.
  auto img = BffPost("/v1/devices/cam-000000/camera:snapshot", "", {{"Accept", "image/png"}});
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->status, 200);
  EXPECT_EQ(img->body.substr(1, 3), "PNG");
}

TEST_F(CommandsE2ETest, OfflineDeviceFailsFastAndNothingIsSent) {
  ASSERT_TRUE(WaitFor([] { return Online("cam-000001"); }, absl::Seconds(60)).ok());
  auto r = http::Fetch("POST", "http://127.0.0.1:" + std::to_string(fast_->port) + "/devices/cam-000001:silence?for=600s");
  ASSERT_TRUE(r.ok() && r->status == 200);
  ASSERT_TRUE(WaitFor([] { return !Online("cam-000001"); }, absl::Seconds(30)).ok());
  const int64_t before = Stat(fast_, "downlink_received");
  const absl::Time start = absl::Now();
  auto st = Send("cam-000001", "camera.startStream", "{}").status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(status::Reason(st), "DEVICE_OFFLINE");
  EXPECT_EQ(status::Reason(Send("never-seen", "camera.snapshot", "{}").status()), "PRESENCE_NOT_FOUND");
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(Stat(fast_, "downlink_received"), before) << "a command reached an offline device";
}

TEST_F(CommandsE2ETest, SlowDeviceTimesOutWithDeviceTimeout) {
  ASSERT_TRUE(WaitFor([] { return Online("slow-000000"); }, absl::Seconds(60)).ok());
  const absl::Time start = absl::Now();
  auto st = Send("slow-000000", "camera.snapshot", "{}", 1000).status();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded) << st;
  EXPECT_EQ(status::Reason(st), "DEVICE_TIMEOUT");
  EXPECT_GE(took, absl::Milliseconds(950));
  EXPECT_LT(took, absl::Seconds(3));
}

TEST_F(CommandsE2ETest, BadInputIsRejected) {
  for (const auto& [device, type, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"bad id!", "camera.rotate", "{}"}, {"cam-000000", "rotate", "{}"}, {"cam-000000", "camera.rotate", "[]"}}) {
    auto st = Send(device, type, body).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << device << " " << type << " " << body << ": " << st;
  }
  EXPECT_EQ(Send("cam-000000", "camera.rotate", "{}", 61000).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet
