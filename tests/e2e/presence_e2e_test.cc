// The first vertical slice, black-box: simulator -> Kafka protocol broker (kafka-dev) -> two
// device-online replicas -> Redis + PostgreSQL -> BFF HTTP. One replica is killed mid-run.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "fleet/presence/v1/presence.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/pg/pool.h"
#include "libs/testing/servers.h"
#include "rapidjson/document.h"
#include "services/device-online/edge/presence_topic.h"
#include "libs/testing/runfiles.h"

namespace fleet {
namespace {

using testing::Process;
using testing::WaitFor;

constexpr int kDevices = 50;

class PresenceE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 12}, {"fleet.presence", 6}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = std::move(*kafka);
    otlp_port_ = testing::FreePort();
    auto otlp = Process::Spawn({Bin("tools/otlp-receiver/otlp-receiver"),
                                "--port=" + std::to_string(otlp_port_)});
    ASSERT_TRUE(otlp.ok()) << otlp.status();
    otlp_ = std::move(*otlp);
    otlp_endpoint_ = "http://127.0.0.1:" + std::to_string(otlp_port_) + "/v1/traces";
    for (int i = 0; i < 2; ++i) StartReplica(i);
    grpc_target_ = "127.0.0.1:" + std::to_string(grpc_ports_[0]);

    bff_port_ = testing::FreePort();
    auto bff = Process::Spawn({Bin("bff/fleet-bff"), "--http_port=" + std::to_string(bff_port_),
                               // Either replica serves reads: they share Redis.
                               "--device_online=127.0.0.1:" + std::to_string(grpc_ports_[1]),
                               "--otlp_endpoint=" + otlp_endpoint_,
                               // Sign-in and keys are covered by bff_access_e2e_test.
                               "--auth=disabled"});
    ASSERT_TRUE(bff.ok()) << bff.status();
    bff_ = std::move(*bff);

    sim_port_ = testing::FreePort();
    auto sim = Process::Spawn({Bin("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                               "--devices=" + std::to_string(kDevices), "--heartbeat_interval=1s",
                               "--control_port=" + std::to_string(sim_port_),
                               "--protobuf_fraction=0.2"});
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto& r : replicas_) {
        if (r) std::cerr << "--- device-online log tail:\n" << r->LogTail(3000) << "\n";
      }
      if (bff_) std::cerr << "--- bff log tail:\n" << bff_->LogTail(2000) << "\n";
      if (sim_) std::cerr << "--- sim log tail:\n" << sim_->LogTail(2000) << "\n";
    }
  }

  static std::string Bin(const std::string& rel) {
    std::string path = testing::Runfile(rel);
    EXPECT_FALSE(path.empty()) << rel << " is not in the runfiles";
    return path;
  }

  void StartReplica(int i) {
    grpc_ports_[i] = testing::FreePort();
    auto p = Process::Spawn({Bin("services/device-online/device-online"),
                             "--grpc_address=127.0.0.1:" + std::to_string(grpc_ports_[i]),
                             "--admin_port=0", "--redis_addr=" + redis_->addr(),
                             "--pg_url=" + pg_->url(), "--kafka_bootstrap=" + kafka_->bootstrap(),
                             "--heartbeat_interval=1s", "--offline_after=4s",
                             "--kafka_session_timeout=6s", "--relay_reclaim_idle=3s",
                             "--replica_id=replica-" + std::to_string(i),
                             "--otlp_endpoint=" + otlp_endpoint_});
    ASSERT_TRUE(p.ok()) << p.status();
    replicas_[i] = std::move(*p);
  }

  // GET on the BFF; parsed JSON body (null document on transport errors).
  std::pair<int, rapidjson::Document> Get(const std::string& target) {
    rapidjson::Document doc;
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(bff_port_) + target);
    if (!r.ok()) return {0, std::move(doc)};
    doc.Parse(r->body.c_str());
    return {r->status, std::move(doc)};
  }

  std::string StateOf(const std::string& device) {
    auto [code, doc] = Get("/v1/devices/" + device + "/presence");
    if (code != 200 || !doc.IsObject() || !doc.HasMember("state")) return "";
    return doc["state"].GetString();
  }

  int64_t OnlineTotal() {
    auto [code, doc] = Get("/v1/presence?filter=online&page_size=1");
    if (code != 200 || !doc.IsObject()) return -1;
    return std::stoll(doc["totalSize"].GetString());
  }

  void Sim(const std::string& device, const std::string& verb) {
    auto r = http::Fetch("POST", "http://127.0.0.1:" + std::to_string(sim_port_) + "/devices/" +
                                     device + ":" + verb);
    ASSERT_TRUE(r.ok() && r->status == 200) << verb << " " << device;
  }

  // Every transition on fleet.presence, de-duplicated by transition id, per device in order.
  std::map<std::string, std::vector<std::string>> TopicTransitions() {
    auto c = kafka::Consumer::Create({.bootstrap = kafka_->bootstrap(),
                                      .group_id = "e2e-reader-" + std::to_string(reads_++),
                                      .topics = {"fleet.presence"},
                                      .overrides = {{"session.timeout.ms", "6000"},
                                                    {"heartbeat.interval.ms", "500"}}});
    EXPECT_TRUE(c.ok()) << c.status();
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_device;
    std::set<std::string> seen_ids;
    const absl::Time until = absl::Now() + absl::Seconds(20);
    int empty_polls = 0;
    while (absl::Now() < until && empty_polls < 10) {
      auto batch = (*c)->Poll(1000, absl::Milliseconds(500));
      if (!batch.ok()) break;
      if (batch->empty() && !seen_ids.empty()) ++empty_polls;
      for (const auto& m : *batch) {
        auto t = online::DecodeTransition(m.payload);
        if (!t.ok() || !seen_ids.insert(t->id).second) continue;
        by_device[t->device_id].push_back({t->id, online::StateName(t->state)});
      }
    }
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [device, ts] : by_device) {
      // Stream ids order transitions of one device ("<ms>-<seq>"); partitions keep key order too.
      std::sort(ts.begin(), ts.end(), [](const auto& a, const auto& b) {
        auto ms = [](const std::string& id) { return std::stoll(id.substr(0, id.find('-'))); };
        auto seq = [](const std::string& id) { return std::stoll(id.substr(id.find('-') + 1)); };
        return std::make_pair(ms(a.first), seq(a.first)) < std::make_pair(ms(b.first), seq(b.first));
      });
      for (auto& [id, state] : ts) out[device].push_back(state);
    }
    return out;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<kafka::testing::KafkaDevProcess> kafka_;
  std::unique_ptr<Process> replicas_[2];
  int grpc_ports_[2] = {0, 0};
  std::string grpc_target_;
  std::unique_ptr<Process> bff_;
  std::unique_ptr<Process> otlp_;
  int otlp_port_ = 0;
  std::string otlp_endpoint_;
  std::unique_ptr<Process> sim_;
  int bff_port_ = 0;
  int sim_port_ = 0;
  int reads_ = 0;
};

TEST_F(PresenceE2ETest, OnlineOfflineOnlineAcrossAReplicaKill) {
  // The whole fleet comes online.
  ASSERT_TRUE(WaitFor([&] { return OnlineTotal() == kDevices; }, absl::Seconds(60),
                      absl::Milliseconds(250)).ok())
      << "online total " << OnlineTotal();

  // A gRPC client watches dev-000003 on the replica that will survive.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_ports_[1]),
                                     grpc::InsecureChannelCredentials());
  auto stub = presence::v1::DeviceOnline::NewStub(channel);
  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  std::vector<presence::v1::State> watched;
  std::atomic<bool> saw_offline{false};
  std::atomic<bool> subscribed{false};
  std::thread watcher([&] {
    presence::v1::WatchPresenceRequest req;
    req.add_device_ids("dev-000003");
    auto reader = stub->WatchPresence(&watch_ctx, req);
    // device-online acknowledges the subscription in the stream's initial metadata.
    reader->WaitForInitialMetadata();
    const auto& md = watch_ctx.GetServerInitialMetadata();
    auto ack = md.find("fleet-watch-subscribed");
    subscribed = ack != md.end() && ack->second == "1";
    presence::v1::PresenceTransition t;
    while (watched.size() < 2 && reader->Read(&t)) {
      EXPECT_EQ(t.device_id(), "dev-000003");
      // Its first "online" may still be in flight when the watch starts: wait for the offline.
      if (watched.empty() && t.state() == presence::v1::ONLINE) continue;
      watched.push_back(t.state());
      if (t.state() == presence::v1::OFFLINE) saw_offline = true;
    }
    watch_ctx.TryCancel();
  });
  // The stream is registered before anything happens.
  ASSERT_TRUE(WaitFor([&] { return subscribed.load(); }, absl::Seconds(10), absl::Milliseconds(20)).ok())
      << "WatchPresence sent no fleet-watch-subscribed acknowledgement";

  // BatchGetPresence reports unknown devices instead of failing.
  {
    grpc::ClientContext ctx;
    presence::v1::BatchGetPresenceRequest req;
    req.add_device_ids("dev-000001");
    req.add_device_ids("ghost");
    presence::v1::BatchGetPresenceResponse resp;
    ASSERT_TRUE(stub->BatchGetPresence(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.presences_size(), 1);
    EXPECT_EQ(resp.presences(0).state(), presence::v1::ONLINE);
    EXPECT_GT(resp.presences(0).board().mem_percent(), 0);
    ASSERT_EQ(resp.missing_size(), 1);
    EXPECT_EQ(resp.missing(0), "ghost");
  }

  // A device goes silent: offline after the timeout.
  Sim("dev-000003", "silence");
  ASSERT_TRUE(WaitFor([&] { return StateOf("dev-000003") == "OFFLINE"; }, absl::Seconds(30),
                      absl::Milliseconds(200)).ok());
  // ...and its transition has been published (the watch saw it). Were the replica killed while
  // still holding the outbox entry, the survivor would relay it only after the ONLINE below, and
  // the feed would drop it as older (StaleTransitionFilter): this watch would see no OFFLINE.
  ASSERT_TRUE(WaitFor([&] { return saw_offline.load(); }, absl::Seconds(30), absl::Milliseconds(100)).ok())
      << "the watch never saw dev-000003 go offline";

  // Kill one replica outright, mid-run. The survivor takes over its partitions.
  replicas_[0]->Kill();
  Sim("dev-000003", "resume");
  ASSERT_TRUE(WaitFor([&] { return StateOf("dev-000003") == "ONLINE"; }, absl::Seconds(40),
                      absl::Milliseconds(200)).ok());
  watcher.join();
  EXPECT_EQ(watched, (std::vector<presence::v1::State>{presence::v1::OFFLINE, presence::v1::ONLINE}));
  Sim("dev-000004", "silence");
  ASSERT_TRUE(WaitFor([&] { return StateOf("dev-000004") == "OFFLINE"; }, absl::Seconds(40),
                      absl::Milliseconds(200)).ok());
  Sim("dev-000004", "resume");
  ASSERT_TRUE(WaitFor([&] { return StateOf("dev-000004") == "ONLINE"; }, absl::Seconds(40),
                      absl::Milliseconds(200)).ok());
  EXPECT_EQ(OnlineTotal(), kDevices);

  // fleet.presence: exactly the expected transitions, none lost, no false offline from the kill.
  std::map<std::string, std::vector<std::string>> ts;
  const std::vector<std::string> flap = {"online", "offline", "online"};
  ASSERT_TRUE(WaitFor([&] {
                ts = TopicTransitions();
                return ts["dev-000003"] == flap && ts["dev-000004"] == flap &&
                       ts.size() == static_cast<size_t>(kDevices);
              }, absl::Seconds(60), absl::Seconds(1)).ok())
      << "dev-000003: " << ts["dev-000003"].size() << " transitions, dev-000004: "
      << ts["dev-000004"].size() << ", devices with transitions: " << ts.size();
  for (const auto& [device, states] : ts) {
    if (device == "dev-000003" || device == "dev-000004") continue;
    EXPECT_EQ(states, std::vector<std::string>{"online"}) << device;
  }

  // The PostgreSQL history holds the same story.
  auto pool = pg::Pool::Connect({.url = pg_->url()});
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::vector<std::string> history;
  ASSERT_TRUE(WaitFor([&] {
                history.clear();
                (void)(*pool)->InTransaction([&](pqxx::work& tx) {
                  for (const auto& row : tx.exec(
                           "SELECT state FROM presence_history WHERE device_id = 'dev-000003' "
                           "ORDER BY at, transition_id")) {
                    history.push_back(row[0].as<std::string>());
                  }
                  return absl::OkStatus();
                });
                return history == flap;
              }, absl::Seconds(20)).ok())
      << "history has " << history.size() << " rows";

  // Errors are AIP-193 with the service's reason.
  auto [code, doc] = Get("/v1/devices/never-seen/presence");
  EXPECT_EQ(code, 404);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["error"]["details"][0]["reason"].GetString(), "PRESENCE_NOT_FOUND");
  auto [bad_code, bad] = Get("/v1/presence?filter=sleepy");
  EXPECT_EQ(bad_code, 400);
  EXPECT_STREQ(bad["error"]["details"][0]["reason"].GetString(), "INVALID_FILTER");

  // One trace from the caller through the BFF to device-online, exported over OTLP.
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto traced = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(bff_port_) +
                                       "/v1/devices/dev-000001/presence", "",
                            {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  ASSERT_TRUE(traced.ok() && traced->status == 200);
  std::map<std::string, std::pair<std::string, std::string>> spans;  // service/kind -> id, parent
  ASSERT_TRUE(WaitFor([&] {
                auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(otlp_port_) +
                                                "/spans?trace_id=" + trace_id);
                if (!r.ok()) return false;
                rapidjson::Document d;
                d.Parse(r->body.c_str());
                if (!d.IsArray()) return false;
                spans.clear();
                for (const auto& s : d.GetArray()) {
                  spans[std::string(s["service"].GetString()) + "/" +
                        std::to_string(s["kind"].GetInt())] = {s["span_id"].GetString(),
                                                               s["parent_span_id"].GetString()};
                }
                return spans.size() >= 3;
              }, absl::Seconds(15), absl::Milliseconds(200)).ok())
      << "spans received: " << spans.size();
  // OTLP kinds: 2 = server, 3 = client.
  EXPECT_EQ(spans["fleet-bff/2"].second, "00f067aa0ba902b7");
  EXPECT_EQ(spans["fleet-bff/3"].second, spans["fleet-bff/2"].first);
  EXPECT_EQ(spans["device-online/2"].second, spans["fleet-bff/3"].first);

  // The survivor drains cleanly on SIGTERM.
  EXPECT_TRUE(replicas_[1]->Terminate(absl::Seconds(20)).ok()) << replicas_[1]->LogTail(2000);
}

}  // namespace
}  // namespace fleet
