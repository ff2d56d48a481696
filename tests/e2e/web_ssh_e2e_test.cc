// Web SSH end to end: a real fleet-bff (authentication on, PostgreSQL fleet_bff) in front of real
// device-config and tunnel services (PostgreSQL, kafka-dev), fleet-sim answering tunnel.start, and
// a real sshd standing in for the device's SSH server behind frp: the tunnel pool has exactly one
// remote port and sshd listens on it. A WebSocket client signs in, opens the tunnel, opens
// /v1/devices/{id}/ssh, authenticates with a key, runs a command and reads its output; the audit
// log records ssh.open and ssh.close without the key.
#include <rapidjson/document.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bff/ssh/test_sshd.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/http/ws_client.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"

namespace fleet {
namespace {

using testing::Process;
using testing::WaitFor;

constexpr char kDevice[] = "gw-000000";

class WebSshE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("E2E_FRP_TOKEN", "e2e-token", 1);
    auto sshd = bff::ssh::testing::TestSshd::Start();  // its port becomes the pool's only port
    ASSERT_TRUE(sshd.ok()) << sshd.status();
    sshd_ = std::move(*sshd);
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    {
      pqxx::connection c(pg_->url());
      pqxx::nontransaction tx(c);
      for (const char* db : {"fleet_bff", "fleet_registry", "fleet_tunnel"}) tx.exec(std::string("CREATE DATABASE ") + db);
    }
    auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 2}, {"fleet.presence", 2}, {"edge.gw-000000.down", 1}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = std::move(*kafka);
    const int config = testing::FreePort(), tunnel = testing::FreePort(), online = testing::FreePort();
    config_ = Spawn({Bin("services/device-config/device-config"), "--grpc_address=127.0.0.1:" + std::to_string(config),
                     "--admin_port=0", "--pg_url=" + Db("fleet_registry"), "--kafka_bootstrap=" + kafka_->bootstrap(),
                     "--device_online=127.0.0.1:" + std::to_string(online)});
    const std::string port = std::to_string(sshd_->port());
    tunnel_ = Spawn({Bin("services/tunnel/tunnel"), "--grpc_address=127.0.0.1:" + std::to_string(tunnel),
                     "--admin_port=0", "--plugin_port=-1", "--pg_url=" + Db("fleet_tunnel"),
                     "--kafka_bootstrap=" + kafka_->bootstrap(), "--start_timeout=40s",
                     "--frp_servers=name=frp-a public_address=127.0.0.1 bind_port=7000 token_ref=env:E2E_FRP_TOKEN "
                     "ports=" + port + "-" + port + " weight=1"});
    sim_ = Spawn({Bin("edge/sim/fleet-sim"), "--kafka_bootstrap=" + kafka_->bootstrap(), "--devices=1",
                  "--id_prefix=gw-", "--heartbeat_interval=1s", "--control_port=0", "--tunnel_latency=50ms"});
    bff_port_ = testing::FreePort();
    bff_ = Spawn({Bin("bff/fleet-bff"), "--http_port=" + std::to_string(bff_port_),
                  "--device_online=127.0.0.1:" + std::to_string(online),
                  "--device_config=127.0.0.1:" + std::to_string(config), "--tunnel=127.0.0.1:" + std::to_string(tunnel),
                  "--pg_url=" + Db("fleet_bff"), "--bootstrap_admin=admin:demo-password-1",
                  "--password_iterations=10000", "--user_rate_limits=", "--signin_rate_limits=",
                  "--ssh_idle_seconds=30", "--ssh_max_seconds=120"});
    ASSERT_TRUE(WaitFor(
                    [&] {
                      auto r = http::Fetch("POST", Url("/v1/sessions"), R"({"user":"admin","password":"demo-password-1"})");
                      if (!r.ok() || r->status != 200) return false;
                      cookie_ = r->headers["set-cookie"].substr(0, r->headers["set-cookie"].find(';'));
                      return true;
                    },
                    absl::Seconds(30), absl::Milliseconds(300))
                    .ok())
        << bff_->LogTail(3000);
    ASSERT_TRUE(WaitFor([&] { return Call("POST", std::string("/v1/devices?device_id=") + kDevice, R"({"model":"m1"})").status == 200; },
                        absl::Seconds(30), absl::Milliseconds(300))
                    .ok())
        << "device-config did not come up";
  }

  void TearDown() override {
    if (HasFailure()) {
      if (bff_) std::cerr << "--- bff log tail:\n" << bff_->LogTail(4000) << "\n";
      if (tunnel_) std::cerr << "--- tunnel log tail:\n" << tunnel_->LogTail(3000) << "\n";
      if (sshd_) std::cerr << "--- sshd log tail:\n" << sshd_->LogTail() << "\n";
    }
  }

  std::unique_ptr<Process> Spawn(std::vector<std::string> args) {
    auto p = Process::Spawn(args);
    EXPECT_TRUE(p.ok()) << args[0] << ": " << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }
  static std::string Bin(const std::string& rel) { return testing::Runfile(rel); }
  std::string Db(const std::string& name) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(pg_->port()) + "/" + name;
  }
  std::string Url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(bff_port_) + target; }
  http::ClientResponse Call(const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = http::Fetch(method, Url(target), body, {{"cookie", cookie_}, {"content-type", "application/json"}});
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status();
    return r.ok() ? *r : http::ClientResponse{};
  }
  absl::StatusOr<http::WsClient::Connected> OpenSsh(const std::string& device) {
    return http::WsClient::Connect("127.0.0.1", bff_port_, "/v1/devices/" + device + "/ssh",
                                   {{"Cookie", cookie_}, {"Origin", Url("")}});
  }
  std::string AuditText() { return Call("GET", "/v1/auditLogs?page_size=100").body; }

  std::unique_ptr<bff::ssh::testing::TestSshd> sshd_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<kafka::testing::KafkaDevProcess> kafka_;
  std::unique_ptr<Process> config_, tunnel_, sim_, bff_;
  int bff_port_ = 0;
  std::string cookie_;
};

TEST_F(WebSshE2ETest, TerminalThroughTheTunnelRunsACommand) {
  // Without a tunnel: an ordinary 404 before any upgrade.
  auto none = OpenSsh(kDevice);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->status, 404) << none->body;
  EXPECT_TRUE(absl::StrContains(none->body, "SSH_NO_TUNNEL")) << none->body;

  auto opened = Call("POST", std::string("/v1/devices/") + kDevice + "/tunnels", R"({"services":["ssh"]})");
  ASSERT_EQ(opened.status, 200) << opened.body;
  rapidjson::Document d;
  d.Parse(opened.body.c_str());
  const std::string name = d["name"].GetString();
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(Call("GET", "/v1/" + name).body, R"("state":"OPEN")"); },
                      absl::Seconds(40), absl::Milliseconds(200))
                  .ok())
      << Call("GET", "/v1/" + name).body;
  EXPECT_TRUE(absl::StrContains(Call("GET", "/v1/" + name).body, absl::StrCat(R"("remotePort":)", sshd_->port())));

  auto c = OpenSsh(kDevice);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE(c->client, nullptr) << c->status << " " << c->body;
  std::string key;
  for (char ch : sshd_->private_key()) key += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  ASSERT_TRUE(c->client->Send(absl::StrCat(R"({"type":"auth","username":")", sshd_->user(), R"(","privateKey":")", key,
                                           R"(","passphrase":"","cols":100,"rows":30})"),
                              false)
                  .ok());
  auto ready = c->client->Read(absl::Seconds(15));
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->data, absl::StrCat(R"({"type":"ready","fingerprint":")", sshd_->host_fingerprint(),
                                      R"(","idleSeconds":30,"maxSeconds":120})"));
  ASSERT_TRUE(c->client->Send("echo hel''lo\n", true).ok());
  std::string out;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (!absl::StrContains(out, "hello\r\n") && absl::Now() < deadline) {
    auto m = c->client->Read(deadline - absl::Now());
    if (!m.ok()) break;
    if (m->binary) out += m->data;
  }
  EXPECT_TRUE(absl::StrContains(out, "hello\r\n")) << out;
  ASSERT_TRUE(c->client->Close(1000).ok());

  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(AuditText(), "ssh.close"); }, absl::Seconds(10)).ok())
      << AuditText();
  const std::string audit = AuditText();
  EXPECT_TRUE(absl::StrContains(audit, "ssh.open")) << audit;
  EXPECT_TRUE(absl::StrContains(audit, absl::StrCat("remote=127.0.0.1:", sshd_->port()))) << audit;
  EXPECT_TRUE(absl::StrContains(audit, sshd_->host_fingerprint())) << audit;
  EXPECT_FALSE(absl::StrContains(audit, "PRIVATE KEY")) << audit;
}

}  // namespace
}  // namespace fleet
