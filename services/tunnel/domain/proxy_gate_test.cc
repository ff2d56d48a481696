#include "services/tunnel/domain/proxy_gate.h"

#include <memory>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/domain/memory_store.h"

namespace fleet::tunnel {
namespace {

class ProxyGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FrpServer s;
    s.name = "frp1";
    s.public_address = "frp1.example.com";
    s.token = "t";
    s.port_min = 40000;
    s.port_max = 40010;
    ASSERT_TRUE(store_.SyncPorts({s}).ok());
    broker_ = std::make_unique<TunnelBroker>(BrokerOptions{}, std::vector<FrpServer>{s}, store_,
                                             store_, clock_, nullptr);
    auto r = broker_->Open({"dev-1", "alice", {}, absl::ZeroDuration()});
    ASSERT_TRUE(r.ok()) << r.status();
    session_ = r->session;
    port_ = session_.services[0].remote_port;
  }

  bool NewProxy(std::string server, std::string device, int port, std::string token) {
    auto v = gate_.CheckNewProxy(server, device, port, token);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() && v->allow;
  }

  FakeClock clock_;
  MemoryStore store_;
  ProxyGate gate_{store_, store_};
  std::unique_ptr<TunnelBroker> broker_;
  Session session_;
  int port_ = 0;
};

TEST_F(ProxyGateTest, AcceptsOnlyTheLeasedPortOfTheDeviceWithItsToken) {
  EXPECT_TRUE(NewProxy("frp1", "dev-1", port_, session_.token));  // REQUESTED: frpc connects first
  ASSERT_TRUE(broker_->OnStarted(session_.id).ok());
  EXPECT_TRUE(NewProxy("frp1", "dev-1", port_, session_.token));
  EXPECT_TRUE(NewProxy("frp1", "dev-1", session_.services[2].remote_port, session_.token));
  EXPECT_FALSE(NewProxy("frp1", "dev-1", port_, session_.token + "x"));   // wrong token
  EXPECT_FALSE(NewProxy("frp1", "dev-1", port_, ""));                     // no token
  EXPECT_FALSE(NewProxy("frp1", "dev-2", port_, session_.token));         // other device
  EXPECT_FALSE(NewProxy("frp1", "dev-1", 40010, session_.token));         // port not leased
  EXPECT_FALSE(NewProxy("frp2", "dev-1", port_, session_.token));         // other server
  auto v = gate_.CheckNewProxy("frp1", "dev-1", 40010, session_.token);
  EXPECT_NE(v->reason.find("not leased"), std::string::npos);
}

TEST_F(ProxyGateTest, RejectsOnceTheSessionIsClosing) {
  ASSERT_TRUE(broker_->Close(session_.id, "alice", "done").ok());
  EXPECT_FALSE(NewProxy("frp1", "dev-1", port_, session_.token));
  ASSERT_TRUE(broker_->OnStopped(session_.id).ok());  // leases released
  EXPECT_FALSE(NewProxy("frp1", "dev-1", port_, session_.token));
}

TEST_F(ProxyGateTest, LoginNeedsALiveSessionOnThisServer) {
  auto ok = gate_.CheckLogin("frp1", "dev-1", session_.token);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->allow);
  EXPECT_FALSE(gate_.CheckLogin("frp2", "dev-1", session_.token)->allow);
  EXPECT_FALSE(gate_.CheckLogin("frp1", "dev-1", "nope")->allow);
  EXPECT_FALSE(gate_.CheckLogin("frp1", "dev-9", session_.token)->allow);
}

TEST_F(ProxyGateTest, StoreErrorsAreErrorsNotVerdicts) {
  store_.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(gate_.CheckNewProxy("frp1", "dev-1", port_, session_.token).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(gate_.CheckLogin("frp1", "dev-1", session_.token).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(SecretEqualsTest, ComparesWholeValue) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "ab"));
  EXPECT_TRUE(SecretEquals("", ""));
}

}  // namespace
}  // namespace fleet::tunnel
