// Tunnels over real processes: the tunnel service (PostgreSQL, kafka-dev) and fleet-sim. A session
// opened with a short TTL is EXPIRED on time and the device receives tunnel.stop, even though the
// tunnel service was killed (SIGKILL) and restarted in the middle of the session.
#include <rapidjson/document.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fleet/tunnel/v1/tunnel.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"

namespace fleet {
namespace {

using google::protobuf::util::TimeUtil;
using testing::Process;
using testing::WaitFor;

class TunnelE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("E2E_FRP_TOKEN", "e2e-token", 1);
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    {
      pqxx::connection c(pg_->url());
      pqxx::nontransaction tx(c);
      tx.exec("CREATE DATABASE fleet_tunnel");
    }
    auto kafka = kafka::testing::StartKafkaDev(
        {{"edge.up", 4}, {"fleet.presence", 2}, {"edge.gw-000000.down", 1}, {"edge.gw-000001.down", 1}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = std::move(*kafka);
    grpc_port_ = testing::FreePort();
    StartTunnel();
    sim_port_ = testing::FreePort();
    auto sim = Process::Spawn({testing::Runfile("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                               "--devices=2", "--id_prefix=gw-", "--heartbeat_interval=1s",
                               "--control_port=" + std::to_string(sim_port_), "--tunnel_latency=50ms"});
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);
    stub_ = tunnel::v1::TunnelService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (HasFailure()) {
      if (tunnel_) std::cerr << "--- tunnel log tail:\n" << tunnel_->LogTail(4000) << "\n";
      if (sim_) std::cerr << "--- sim log tail:\n" << sim_->LogTail(3000) << "\n";
    }
  }

  void StartTunnel() {
    auto p = Process::Spawn(
        {testing::Runfile("services/tunnel/tunnel"), "--grpc_address=127.0.0.1:" + std::to_string(grpc_port_),
         "--admin_port=0", "--plugin_port=-1",
         "--pg_url=postgresql://postgres@127.0.0.1:" + std::to_string(pg_->port()) + "/fleet_tunnel",
         "--kafka_bootstrap=" + kafka_->bootstrap(), "--sweep_interval=200ms", "--start_timeout=40s",
         "--frp_servers=name=frp-a public_address=127.0.0.1 bind_port=7000 token_ref=env:E2E_FRP_TOKEN ports=42000-42029 weight=1"});
    ASSERT_TRUE(p.ok()) << p.status();
    tunnel_ = std::move(*p);
  }

  int64_t SimStat(const char* key) {
    auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(sim_port_) + "/stats");
    if (!r.ok() || r->status != 200) return -1;
    rapidjson::Document d;
    d.Parse(r->body.c_str());
    return d.IsObject() && d.HasMember(key) ? d[key].GetInt64() : -1;
  }

  absl::StatusOr<tunnel::v1::Session> Get(const std::string& name) {
    tunnel::v1::GetTunnelRequest req;
    req.set_name(name);
    tunnel::v1::Session s;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::Status st = stub_->GetTunnel(&ctx, req, &s);
    if (!st.ok()) return absl::UnavailableError(st.error_message());
    return s;
  }

  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<kafka::testing::KafkaDevProcess> kafka_;
  std::unique_ptr<Process> tunnel_, sim_;
  int grpc_port_ = 0, sim_port_ = 0;
  std::unique_ptr<tunnel::v1::TunnelService::Stub> stub_;
};

TEST_F(TunnelE2ETest, SessionExpiresOnTimeAcrossAServiceCrashAndTheDeviceGetsItsStop) {
  tunnel::v1::OpenTunnelRequest req;
  req.set_device_id("gw-000001");
  req.set_operator_id("alice");
  req.add_services("ssh");
  req.mutable_ttl()->set_seconds(20);
  tunnel::v1::Session opened;
  ASSERT_TRUE(WaitFor(
                  [&] {
                    grpc::ClientContext ctx;
                    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
                    return stub_->OpenTunnel(&ctx, req, &opened).ok();
                  },
                  absl::Seconds(30), absl::Milliseconds(300))
                  .ok());
  ASSERT_TRUE(WaitFor([&] { auto s = Get(opened.name()); return s.ok() && s->state() == tunnel::v1::OPEN; },
                      absl::Seconds(40)).ok());
  EXPECT_EQ(SimStat("tunnels_running"), 1);
  const absl::Time expire =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(Get(opened.name())->expire_time()));

  // The service crashes and comes back while the session runs.
  tunnel_->Kill();
  absl::SleepFor(absl::Seconds(2));
  StartTunnel();

  ASSERT_TRUE(WaitFor([&] { auto s = Get(opened.name()); return s.ok() && s->state() == tunnel::v1::EXPIRED; },
                      absl::Seconds(40)).ok())
      << "state " << (Get(opened.name()).ok() ? Get(opened.name())->state() : -1);
  auto ended = Get(opened.name());
  const absl::Time closed = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ended->close_time()));
  EXPECT_GE(closed, expire);
  EXPECT_LE(closed, expire + absl::Seconds(3)) << "expired late after the restart";
  EXPECT_EQ(ended->close_reason(), "ttl");
  // The device received the stop (frpc stopped before its own auto-stop).
  EXPECT_TRUE(WaitFor([&] { return SimStat("tunnel_stops") == 1 && SimStat("tunnels_running") == 0; },
                      absl::Seconds(20)).ok())
      << "stops " << SimStat("tunnel_stops") << ", running " << SimStat("tunnels_running");
}

}  // namespace
}  // namespace fleet
