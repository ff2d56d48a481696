#include "edge/sim/config_agent.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Req(std::string body) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = "config.apply:dev-1:1";
  e.sender = "device-config";
  e.timestamp = kNow;
  e.type = "config.apply";
  e.body_json = std::move(body);
  return e;
}

TEST(ConfigAgentTest, AppliesVersionAndHash) {
  ConfigAgent agent({.latency = absl::Milliseconds(200)});
  HandlerResult r = agent.Apply("dev-1", Req(R"({"version":3,"hash":"abc","config":{"a":1}})"), kNow);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.delay, absl::Milliseconds(200));
  EXPECT_EQ(r.body_json, R"({"version":3,"hash":"abc"})");
  auto applied = agent.Get("dev-1");
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->version, 3);
  EXPECT_EQ(applied->hash, "abc");
  EXPECT_FALSE(agent.Get("dev-2").has_value());
  agent.Apply("dev-1", Req(R"({"version":4,"hash":"def","config":{}})"), kNow);
  EXPECT_THAT(agent.History("dev-1"), ElementsAre(3, 4));
  EXPECT_EQ(agent.applies(), 2);
}

TEST(ConfigAgentTest, RejectsMalformedBodies) {
  ConfigAgent agent({});
  for (const char* body : {R"([])", R"({"hash":"a","config":{}})", R"({"version":0,"hash":"a","config":{}})",
                           R"({"version":1,"config":{}})", R"({"version":1,"hash":"a","config":[]})",
                           R"({"version":1,"hash":"a"})"}) {
    HandlerResult r = agent.Apply("dev-1", Req(body), kNow);
    EXPECT_EQ(r.code, 400) << body;
    EXPECT_THAT(r.body_json, HasSubstr("error")) << body;
  }
  EXPECT_FALSE(agent.Get("dev-1").has_value());
  EXPECT_EQ(agent.applies(), 0);
}

TEST(ConfigAgentTest, FailsAtFailRateWithoutApplying) {
  ConfigAgent agent({.fail_rate = 1.0});
  HandlerResult r = agent.Apply("dev-1", Req(R"({"version":1,"hash":"a","config":{}})"), kNow);
  EXPECT_EQ(r.code, 500);
  EXPECT_THAT(r.description, HasSubstr("simulated failure"));
  EXPECT_FALSE(agent.Get("dev-1").has_value());
  EXPECT_EQ(agent.failures(), 1);
}

TEST(ConfigAgentTest, RegistersWithDispatcher) {
  ConfigAgent agent({});
  Dispatcher d({});
  agent.RegisterWith(d);
  auto out = d.Dispatch("dev-1", Req(R"({"version":2,"hash":"h","config":{}})"), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status_code, 200);
  EXPECT_EQ(out->response.id, "config.apply:dev-1:1");
  EXPECT_EQ(out->topic, "edge.up");
  EXPECT_EQ(agent.Get("dev-1")->version, 2);
}

}  // namespace
}  // namespace fleet::sim
