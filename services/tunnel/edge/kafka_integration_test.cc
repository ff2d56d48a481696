// Real PostgreSQL + kafka-dev + the fleet-sim binary: the broker (in-process, with the Kafka
// DeviceChannel and the ResponseConsumer) opens and closes tunnels on simulated devices.
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/http/client.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/presence/events.h"
#include "libs/testing/process.h"
#include "libs/testing/runfiles.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/domain/state_machine.h"
#include "services/tunnel/edge/kafka_channel.h"
#include "services/tunnel/edge/response_consumer.h"
#include "services/tunnel/storage/pg_store.h"
#include "services/tunnel/storage/test_db.h"

namespace fleet::tunnel {
namespace {

using fleet::testing::Process;
using fleet::testing::Runfile;
using fleet::testing::WaitFor;

FrpServer Frp() {
  FrpServer s;
  s.name = "frp1";
  s.public_address = "frp1.example.com";
  s.token = "frp-token";
  s.port_min = 41000;
  s.port_max = 41029;
  return s;
}

// One simulator process and its /stats.
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

class TunnelKafkaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 4}, {"fleet.presence", 2}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = kafka->release();
    auto pool = testing::FreshDatabase();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
    store_ = new PgStore(*pool_);
    ASSERT_TRUE(store_->SyncPorts({Frp()}).ok());
    auto producer = kafka::Producer::Create({.bootstrap = kafka_->bootstrap()});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = producer->release();
    channel_ = new KafkaDeviceChannel(*producer_, {}, clock_);
    BrokerOptions options;
    options.start_timeout = absl::Seconds(45);  // the sims' first rebalance takes a few seconds
    options.stop_timeout = absl::Seconds(45);
    broker_ = new TunnelBroker(options, {Frp()}, *store_, *store_, clock_, channel_);

    auto uplink = kafka::Consumer::Create(
        {.bootstrap = kafka_->bootstrap(), .group_id = "tunnel", .topics = {"edge.up"}});
    ASSERT_TRUE(uplink.ok()) << uplink.status();
    uplink_ = uplink->release();
    registry_ = new prometheus::Registry();
    metrics_ = new ResponseMetrics(*registry_);
    answers_ = new ResponseConsumer(*uplink_, *broker_, channel_, *metrics_, clock_);
    answers_thread_ = new std::thread([] { answers_->Run(stop_); });

    good_ = StartSim("dev-", 0);
    bad_ = StartSim("bad-", 1);
  }

  static Sim* StartSim(const std::string& prefix, double fail_rate) {
    auto* sim = new Sim;
    sim->port = fleet::testing::FreePort();
    auto p = Process::Spawn({Runfile("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                             "--devices=4", "--id_prefix=" + prefix, "--heartbeat_interval=2s",
                             "--control_port=" + std::to_string(sim->port),
                             "--downlink_group=sim-" + prefix,
                             "--tunnel_fail_rate=" + std::to_string(fail_rate),
                             "--tunnel_latency=100ms"});
    EXPECT_TRUE(p.ok()) << p.status();
    if (p.ok()) sim->process = std::move(*p);
    EXPECT_TRUE(WaitFor([sim] { return sim->Stat("devices") == 4; }, absl::Seconds(20)).ok());
    return sim;
  }

  static void TearDownTestSuite() {
    stop_ = true;
    if (answers_thread_ != nullptr) answers_thread_->join();
    delete good_;
    delete bad_;
    delete answers_;
    delete uplink_;
    delete broker_;
    delete channel_;
    delete producer_;
    delete store_;
    delete pool_;
    delete kafka_;
  }

  void TearDown() override {
    if (HasFailure()) {
      for (Sim* s : {good_, bad_}) {
        if (s != nullptr && s->process) std::cerr << "--- sim log tail:\n" << s->process->LogTail(4000) << "\n";
      }
    }
  }

  static SessionState StateOf(const std::string& id) {
    auto s = broker_->Get(id);
    return s.ok() ? s->state : SessionState::kRequested;
  }

  static inline kafka::testing::KafkaDevProcess* kafka_ = nullptr;
  static inline pg::Pool* pool_ = nullptr;
  static inline PgStore* store_ = nullptr;
  static inline kafka::Producer* producer_ = nullptr;
  static inline RealClock clock_;
  static inline KafkaDeviceChannel* channel_ = nullptr;
  static inline TunnelBroker* broker_ = nullptr;
  static inline kafka::Consumer* uplink_ = nullptr;
  static inline prometheus::Registry* registry_ = nullptr;
  static inline ResponseMetrics* metrics_ = nullptr;
  static inline ResponseConsumer* answers_ = nullptr;
  static inline std::thread* answers_thread_ = nullptr;
  static inline std::atomic<bool> stop_{false};
  static inline Sim* good_ = nullptr;
  static inline Sim* bad_ = nullptr;
};

TEST_F(TunnelKafkaTest, OpenReachesTheDeviceAndCloseStopsIt) {
  auto opened = broker_->Open({"dev-000001", "alice", {}, absl::ZeroDuration()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string id = opened->session.id;
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kOpen; }, absl::Seconds(40)).ok())
      << "state " << StateName(StateOf(id));
  EXPECT_EQ(good_->Stat("tunnels_running"), 1);
  auto s = broker_->Get(id);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->services.size(), 3u);
  for (const ServicePort& p : s->services) {
    EXPECT_GE(p.remote_port, 41000);
    EXPECT_LE(p.remote_port, 41029);
  }

  ASSERT_TRUE(broker_->Close(id, "alice", "done").ok());
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kClosed; }, absl::Seconds(30)).ok())
      << "state " << StateName(StateOf(id));
  EXPECT_EQ(good_->Stat("tunnels_running"), 0);
  EXPECT_GE(good_->Stat("tunnel_stops"), 1);
}

TEST_F(TunnelKafkaTest, DeviceRefusalFailsTheSessionWithItsReason) {
  auto opened = broker_->Open({"bad-000002", "bob", {}, absl::ZeroDuration()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string id = opened->session.id;
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kFailed; }, absl::Seconds(40)).ok())
      << "state " << StateName(StateOf(id));
  auto s = broker_->Get(id);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(s->close_reason.find("frpc failed to start"), std::string::npos) << s->close_reason;
  EXPECT_EQ(bad_->Stat("tunnels_running"), 0);
}

TEST_F(TunnelKafkaTest, StaleRequestIsDroppedAndTheSessionFailsAtItsDeadline) {
  // A broker whose requests carry a timestamp an hour old (a badly lagging producer).
  FakeClock old(absl::Now() - absl::Hours(1));
  KafkaDeviceChannel stale_channel(*producer_, {}, old);
  BrokerOptions options;
  options.start_timeout = absl::Seconds(15);
  TunnelBroker stale_broker(options, {Frp()}, *store_, *store_, clock_, &stale_channel);
  const int64_t dropped_before = good_->Stat("requests_dropped_stale");
  auto opened = stale_broker.Open({"dev-000003", "carol", {}, absl::ZeroDuration()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string id = opened->session.id;
  ASSERT_TRUE(WaitFor([&] { return good_->Stat("requests_dropped_stale") > dropped_before; },
                      absl::Seconds(40))
                  .ok());
  EXPECT_EQ(StateOf(id), SessionState::kRequested);
  EXPECT_FALSE(good_->Stat("tunnels_running") > 0 && good_->Stat("tunnel_starts") == 0);
  ASSERT_TRUE(WaitFor(
                  [&] {
                    stale_broker.SweepExpired(100).IgnoreError();
                    return StateOf(id) == SessionState::kFailed;
                  },
                  absl::Seconds(30), absl::Milliseconds(200))
                  .ok())
      << "state " << StateName(StateOf(id));
  EXPECT_LE(absl::Now(), opened->session.create_time + absl::Seconds(25));
}

// Sends starts and extensions, loses every stop (as when the device is away and the request ages
// out before it reads it).
class LosingStops : public DeviceChannel {
 public:
  explicit LosingStops(DeviceChannel& real) : real_(real) {}
  absl::Status SendStart(const StartRequest& r) override { return real_.SendStart(r); }
  absl::Status SendStop(std::string_view, std::string_view, std::string_view) override { return absl::OkStatus(); }
  absl::Status SendExtend(std::string_view d, std::string_view s, absl::Duration a) override {
    return real_.SendExtend(d, s, a);
  }

 private:
  DeviceChannel& real_;
};

TEST_F(TunnelKafkaTest, ExtendReachesTheDevice) {
  auto opened = broker_->Open({"dev-000000", "dave", {}, absl::ZeroDuration()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string id = opened->session.id;
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kOpen; }, absl::Seconds(40)).ok());
  const int64_t before = good_->Stat("tunnel_extends");
  ASSERT_TRUE(broker_->Extend(id, absl::Minutes(10), "dave").ok());
  EXPECT_TRUE(WaitFor([&] { return good_->Stat("tunnel_extends") == before + 1; }, absl::Seconds(20)).ok())
      << "the device never heard of the extension";
  ASSERT_TRUE(broker_->Close(id, "dave", "").ok());
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kClosed; }, absl::Seconds(30)).ok());
}

TEST_F(TunnelKafkaTest, DeviceBackOnlineWithAStaleFrpcGetsAStop) {
  LosingStops lossy(*channel_);
  BrokerOptions options;
  options.start_timeout = absl::Seconds(45);
  options.stop_timeout = absl::Seconds(1);
  TunnelBroker lossy_broker(options, {Frp()}, *store_, *store_, clock_, &lossy);
  auto opened = lossy_broker.Open({"dev-000002", "erin", {}, absl::ZeroDuration()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string id = opened->session.id;
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == SessionState::kOpen; }, absl::Seconds(40)).ok());
  const int64_t running = good_->Stat("tunnels_running");
  ASSERT_GE(running, 1);
  // Closed while the stop is lost: CLOSED at the stop deadline, frpc still running on the device.
  ASSERT_TRUE(lossy_broker.Close(id, "erin", "done").ok());
  ASSERT_TRUE(WaitFor(
                  [&] {
                    lossy_broker.SweepExpired(100).IgnoreError();
                    return StateOf(id) == SessionState::kClosed;
                  },
                  absl::Seconds(10), absl::Milliseconds(200))
                  .ok());
  EXPECT_FALSE(broker_->Get(id)->frpc_stopped);
  EXPECT_EQ(good_->Stat("tunnels_running"), running);

  // device-online announces the device online; the tunnel service's presence consumer reacts.
  auto consumer = kafka::Consumer::Create({.bootstrap = kafka_->bootstrap(),
                                           .group_id = "tunnel-presence-test",
                                           .topics = {"fleet.presence"},
                                           .overrides = {{"auto.offset.reset", "earliest"}}});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  presence::PresenceConsumer events(**consumer, [](const presence::PresenceEvent& e) -> absl::Status {
    if (!e.online) return absl::OkStatus();
    return broker_->OnDeviceOnline(e.device_id).status();
  });
  std::atomic<bool> stop{false};
  std::thread events_thread([&] { events.Run(stop); });
  const std::string now = absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone());
  ASSERT_TRUE(producer_
                  ->Send("fleet.presence", "dev-000002",
                         R"({"deviceId":"dev-000002","state":"ONLINE","time":")" + now +
                             R"(","transitionId":"t-stale-1","cause":"uplink"})")
                  .ok());
  EXPECT_TRUE(WaitFor([&] { return good_->Stat("tunnels_running") == running - 1; }, absl::Seconds(40)).ok())
      << "the stale frpc was not stopped";
  EXPECT_TRUE(WaitFor([&] { return broker_->Get(id)->frpc_stopped; }, absl::Seconds(20)).ok())
      << "the device's answer was not recorded";
  EXPECT_EQ(events.handled(), 1);
  stop = true;
  events_thread.join();
}

}  // namespace
}  // namespace fleet::tunnel
