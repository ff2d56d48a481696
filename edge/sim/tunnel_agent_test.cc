#include "edge/sim/tunnel_agent.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Req(std::string type, std::string body) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = "r";
  e.sender = "tunnel";
  e.timestamp = kNow;
  e.type = std::move(type);
  e.body_json = std::move(body);
  return e;
}

constexpr char kStart[] =
    R"({"session_id":"s1","server_addr":"frp1","server_port":7000,"token":"t",)"
    R"("session_token":"x","auto_stop_service_in":60,)"
    R"("proxies":[{"name":"ssh","local_ip":"127.0.0.1","local_port":22,"remote_port":40001}]})";

TEST(TunnelAgentTest, StartRunsFrpcUntilAutoStop) {
  TunnelAgent agent({.latency = absl::Milliseconds(300)});
  HandlerResult r = agent.Start("dev-1", Req("tunnel.start", kStart), kNow);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.delay, absl::Milliseconds(300));
  EXPECT_THAT(r.body_json, HasSubstr(R"("frpc":"running")"));
  EXPECT_EQ(agent.Running(), 1);
  auto f = agent.Get("dev-1");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->session_id, "s1");
  EXPECT_EQ(f->server_port, 7000);
  ASSERT_EQ(f->proxies.size(), 1u);
  EXPECT_EQ(f->proxies[0], (std::pair<std::string, int>{"ssh", 40001}));
  EXPECT_EQ(agent.Expire(kNow + absl::Seconds(59)), 0);
  EXPECT_EQ(agent.Expire(kNow + absl::Seconds(60)), 1);
  EXPECT_EQ(agent.Running(), 0);
}

TEST(TunnelAgentTest, StopClearsOnlyTheMatchingSession) {
  TunnelAgent agent({});
  ASSERT_EQ(agent.Start("dev-1", Req("tunnel.start", kStart), kNow).code, 200);
  HandlerResult other = agent.Stop("dev-1", Req("tunnel.stop", R"({"session_id":"s0"})"), kNow);
  EXPECT_EQ(other.code, 200);
  EXPECT_THAT(other.body_json, HasSubstr(R"("was_running":"false")"));
  EXPECT_EQ(agent.Running(), 1);
  HandlerResult r = agent.Stop("dev-1", Req("tunnel.stop", R"({"session_id":"s1","reason":"x"})"), kNow);
  EXPECT_EQ(r.code, 200);
  EXPECT_THAT(r.body_json, HasSubstr(R"("was_running":"true")"));
  EXPECT_EQ(agent.Running(), 0);
  EXPECT_EQ(agent.stops(), 1);
}

TEST(TunnelAgentTest, FailRateOneAlwaysFails) {
  TunnelAgent agent({.fail_rate = 1});
  HandlerResult r = agent.Start("dev-1", Req("tunnel.start", kStart), kNow);
  EXPECT_EQ(r.code, 500);
  EXPECT_THAT(r.description, HasSubstr("frpc failed to start"));
  EXPECT_THAT(r.body_json, HasSubstr(R"("session_id":"s1")"));
  EXPECT_EQ(agent.Running(), 0);
}

TEST(TunnelAgentTest, MalformedStartIs400) {
  TunnelAgent agent({});
  EXPECT_EQ(agent.Start("dev-1", Req("tunnel.start", R"({"session_id":"s1"})"), kNow).code, 400);
  EXPECT_EQ(agent.Start("dev-1", Req("tunnel.start", "[]"), kNow).code, 400);
  EXPECT_EQ(agent.Running(), 0);
}

TEST(TunnelAgentTest, ExtendMovesTheAutoStopOfThatSessionOnly) {
  TunnelAgent agent({});
  ASSERT_EQ(agent.Start("dev-1", Req("tunnel.start", kStart), kNow).code, 200);  // stops at +60 s
  HandlerResult r = agent.Extend("dev-1", Req("tunnel.extend", R"({"session_id":"s1","auto_stop_service_in":600})"),
                                 kNow + absl::Seconds(30));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(agent.extends(), 1);
  EXPECT_EQ(agent.Expire(kNow + absl::Seconds(61)), 0) << "the old auto-stop time no longer applies";
  EXPECT_EQ(agent.Expire(kNow + absl::Seconds(630)), 1);
  // Unknown session, unknown device, bad body.
  ASSERT_EQ(agent.Start("dev-1", Req("tunnel.start", kStart), kNow).code, 200);
  EXPECT_EQ(agent.Extend("dev-1", Req("tunnel.extend", R"({"session_id":"s9","auto_stop_service_in":5})"), kNow).code, 404);
  EXPECT_EQ(agent.Extend("dev-2", Req("tunnel.extend", R"({"session_id":"s1","auto_stop_service_in":5})"), kNow).code, 404);
  EXPECT_EQ(agent.Extend("dev-1", Req("tunnel.extend", R"({"session_id":"s1"})"), kNow).code, 400);
  EXPECT_EQ(agent.extends(), 1);
}

TEST(TunnelAgentTest, RegistersBothTypes) {
  TunnelAgent agent({});
  Dispatcher d({});
  agent.RegisterWith(d);
  kafka::Envelope start = Req("tunnel.start", kStart);
  auto out = d.Dispatch("dev-1", start, kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status, "Succeed");
  EXPECT_EQ(agent.Running(), 1);
  auto ext = d.Dispatch("dev-1", Req("tunnel.extend", R"({"session_id":"s1","auto_stop_service_in":9})"), kNow);
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->response.overall_status, "Succeed");
  EXPECT_TRUE(d.Dispatch("dev-1", Req("tunnel.stop", R"({"session_id":"s1"})"), kNow));
  EXPECT_EQ(agent.Running(), 0);
}

}  // namespace
}  // namespace fleet::sim
