#include "services/tunnel/edge/messages.h"

#include "edge/sim/dispatcher.h"
#include "edge/sim/tunnel_agent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::tunnel {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

StartRequest Start() {
  StartRequest r;
  r.session_id = "abc123";
  r.device_id = "dev-000001";
  r.server_address = "frp1.example.com";
  r.server_port = 7000;
  r.server_token = "srv-token";
  r.session_token = "one-time";
  r.proxies = {{"ssh", "127.0.0.1", 22, 40001}, {"web", "127.0.0.1", 80, 40002}};
  r.auto_stop_in = absl::Minutes(32);
  return r;
}

TEST(MessagesTest, StartEnvelope) {
  kafka::Envelope e = EncodeStart(Start(), kNow, "tunnel", "");
  EXPECT_EQ(e.kind, kafka::EnvelopeKind::kRequest);
  EXPECT_EQ(e.id, "tunnel.start:abc123");
  EXPECT_EQ(e.type, "tunnel.start");
  EXPECT_EQ(e.sender, "tunnel");
  EXPECT_EQ(e.timestamp, kNow);
  EXPECT_TRUE(kafka::ValidateBodyJson(e.body_json).ok());
  EXPECT_THAT(e.body_json, HasSubstr(R"("auto_stop_service_in":1920)"));
  EXPECT_THAT(e.body_json, HasSubstr(R"({"name":"ssh","type":"tcp","local_ip":"127.0.0.1","local_port":22,"remote_port":40001})"));
  EXPECT_THAT(e.body_json, HasSubstr(R"("session_token":"one-time")"));
  // Survives the wire codec.
  auto decoded = kafka::DecodeJson(kafka::EncodeJson(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->body_json, e.body_json);
}

// The simulator (what devices do) understands our requests, and we understand its answers.
TEST(MessagesTest, RoundTripThroughTheSimulatedDevice) {
  sim::TunnelAgent agent({});
  sim::Dispatcher dispatcher({});
  agent.RegisterWith(dispatcher);
  auto out = dispatcher.Dispatch("dev-000001", EncodeStart(Start(), kNow, "tunnel", ""), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->topic, "edge.up");
  auto frpc = agent.Get("dev-000001");
  ASSERT_TRUE(frpc.has_value());
  EXPECT_EQ(frpc->server_addr, "frp1.example.com");
  EXPECT_EQ(frpc->stop_at, kNow + absl::Minutes(32));
  EXPECT_EQ(frpc->proxies.size(), 2u);
  auto answer = ParseAnswer(out->response);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, DeviceAnswer::Kind::kStarted);
  EXPECT_EQ(answer->session_id, "abc123");
  EXPECT_EQ(answer->device_id, "dev-000001");

  // An extension moves the device's own stop time; its answer is not a start/stop answer.
  kafka::Envelope ext = EncodeExtend("abc123", absl::Minutes(20), kNow, "tunnel", "");
  EXPECT_EQ(ext.type, "tunnel.extend");
  EXPECT_EQ(ext.id, "tunnel.extend:abc123:" + std::to_string(absl::ToUnixSeconds(kNow)));
  EXPECT_EQ(ext.body_json, R"({"session_id":"abc123","auto_stop_service_in":1200})");
  out = dispatcher.Dispatch("dev-000001", ext, kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status_code, 200);
  EXPECT_FALSE(ParseAnswer(out->response).has_value());
  EXPECT_EQ(agent.Get("dev-000001")->stop_at, kNow + absl::Minutes(20));

  out = dispatcher.Dispatch("dev-000001", EncodeStop("abc123", "operator closed", kNow, "tunnel", ""), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(agent.Get("dev-000001").has_value());
  answer = ParseAnswer(out->response);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, DeviceAnswer::Kind::kStopped);
  EXPECT_EQ(answer->session_id, "abc123");
}

TEST(MessagesTest, FailedStartCarriesTheDevicesReason) {
  sim::TunnelAgent agent({.fail_rate = 1});
  sim::Dispatcher dispatcher({});
  agent.RegisterWith(dispatcher);
  auto out = dispatcher.Dispatch("dev-000001", EncodeStart(Start(), kNow, "tunnel", ""), kNow);
  ASSERT_TRUE(out.has_value());
  auto answer = ParseAnswer(out->response);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, DeviceAnswer::Kind::kStartFailed);
  EXPECT_THAT(answer->why, HasSubstr("frpc failed to start"));

  kafka::Envelope bare = out->response;
  bare.description.clear();
  EXPECT_THAT(ParseAnswer(bare)->why, HasSubstr("frpc failed to start"));  // from body "error"
  bare.body_json = "{}";
  EXPECT_EQ(ParseAnswer(bare)->why, "device answered 500");
}

TEST(MessagesTest, OtherMessagesAreNotAnswers) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kResponse;
  e.id = "cfg-7";
  e.sender = "edge/dev-1";
  EXPECT_FALSE(ParseAnswer(e).has_value());
  e.id = "tunnel.start:";
  EXPECT_FALSE(ParseAnswer(e).has_value());
  e.id = "tunnel.start:s1";
  e.kind = kafka::EnvelopeKind::kEvent;
  EXPECT_FALSE(ParseAnswer(e).has_value());
  e.kind = kafka::EnvelopeKind::kResponse;
  e.overall_status_code = 200;
  EXPECT_TRUE(ParseAnswer(e).has_value());
}

}  // namespace
}  // namespace fleet::tunnel
