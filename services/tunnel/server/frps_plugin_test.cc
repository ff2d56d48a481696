#include "services/tunnel/server/frps_plugin.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/domain/memory_store.h"

namespace fleet::tunnel {
namespace {

using ::testing::HasSubstr;

class FrpsPluginTest : public ::testing::Test {
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
  }

  http::Response Post(const std::string& body, const std::string& path = "/frps/frp1/handler") {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    return HandleFrpsPlugin(gate_, r);
  }

  std::string NewProxy(const std::string& device, int port, const std::string& token) {
    return R"({"version":"0.1.0","op":"NewProxy","content":{"user":{"user":"x","metas":{"device_id":")" +
           device + R"(","session_token":")" + token + R"("},"run_id":"r"},"proxy_name":"ssh",)"
           R"("proxy_type":"tcp","remote_port":)" + std::to_string(port) + "}}";
  }

  FakeClock clock_;
  MemoryStore store_;
  ProxyGate gate_{store_, store_};
  std::unique_ptr<TunnelBroker> broker_;
  Session session_;
};

TEST_F(FrpsPluginTest, NewProxyAcceptsTheRightProxyAndRejectsWrongPortOrToken) {
  const int port = session_.services[0].remote_port;
  http::Response ok = Post(NewProxy("dev-1", port, session_.token));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"reject":false,"unchange":true})");

  http::Response wrong_port = Post(NewProxy("dev-1", 40010, session_.token));
  EXPECT_EQ(wrong_port.status, 200);
  EXPECT_THAT(wrong_port.body, HasSubstr(R"("reject":true)"));
  EXPECT_THAT(wrong_port.body, HasSubstr("not leased"));

  http::Response wrong_token = Post(NewProxy("dev-1", port, "guess"));
  EXPECT_THAT(wrong_token.body, HasSubstr(R"("reject":true)"));
  EXPECT_THAT(wrong_token.body, HasSubstr("wrong session token"));

  http::Response other_server = Post(NewProxy("dev-1", port, session_.token), "/frps/frp2/handler");
  EXPECT_THAT(other_server.body, HasSubstr(R"("reject":true)"));
}

TEST_F(FrpsPluginTest, LoginUsesGlobalMetas) {
  http::Response ok = Post(R"({"op":"Login","content":{"user":"dev-1","metas":{"session_token":")" +
                           session_.token + R"("}}})");
  EXPECT_EQ(ok.body, R"({"reject":false,"unchange":true})");
  http::Response bad = Post(R"({"op":"Login","content":{"user":"dev-1","metas":{"session_token":"x"}}})");
  EXPECT_THAT(bad.body, HasSubstr(R"("reject":true)"));
}

TEST_F(FrpsPluginTest, OtherOpsPassAndBadRequestsFail) {
  EXPECT_EQ(Post(R"({"op":"Ping","content":{}})").body, R"({"reject":false,"unchange":true})");
  EXPECT_EQ(Post("not json").status, 400);
  EXPECT_EQ(Post(R"({"op":"NewProxy"})").status, 400);
  EXPECT_EQ(Post(R"({"op":"Ping","content":{}})", "/elsewhere").status, 404);
  EXPECT_EQ(Post(R"({"op":"Ping","content":{}})", "/frps/handler").status, 404);
  EXPECT_EQ(Post(R"({"op":"Ping","content":{}})", "/frps//handler").status, 404);
  store_.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(Post(NewProxy("dev-1", session_.services[0].remote_port, session_.token)).status, 503);
}

}  // namespace
}  // namespace fleet::tunnel
