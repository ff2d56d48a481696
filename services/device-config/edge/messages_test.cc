#include "services/device-config/edge/messages.h"

#include "edge/sim/config_agent.h"
#include "edge/sim/dispatcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::devcfg {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(MessagesTest, SimulatorAppliesOurRequestAndWeParseItsAnswer) {
  sim::ConfigAgent agent({});
  sim::Dispatcher dispatcher({});
  agent.RegisterWith(dispatcher);
  const kafka::Envelope req = EncodeApply("dev-1", 4, "abc123", R"({"a":1})", kNow, "device-config");
  EXPECT_EQ(req.id, "config.apply:dev-1:4");
  EXPECT_TRUE(req.reply_to.empty());
  auto wire = kafka::DecodeJson(kafka::EncodeJson(req));
  ASSERT_TRUE(wire.ok()) << wire.status();
  auto out = dispatcher.Dispatch("dev-1", *wire, kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->topic, "edge.up");
  auto answer = ParseApplyAnswer(*kafka::DecodeJson(kafka::EncodeJson(out->response)));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->device_id, "dev-1");
  EXPECT_EQ(answer->version, 4);
  EXPECT_TRUE(answer->applied);
  EXPECT_EQ(answer->hash, "abc123");
  EXPECT_EQ(agent.Get("dev-1")->version, 4);
}

TEST(MessagesTest, FailedAnswerCarriesWhy) {
  sim::ConfigAgent agent({.fail_rate = 1});
  sim::Dispatcher dispatcher({});
  agent.RegisterWith(dispatcher);
  auto out = dispatcher.Dispatch("dev-1", EncodeApply("dev-1", 2, "h", "{}", kNow, "device-config"), kNow);
  ASSERT_TRUE(out.has_value());
  auto answer = ParseApplyAnswer(out->response);
  ASSERT_TRUE(answer.has_value());
  EXPECT_FALSE(answer->applied);
  EXPECT_THAT(answer->why, ::testing::HasSubstr("simulated failure"));
}

TEST(MessagesTest, IgnoresOtherMessagesAndForeignSenders) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kResponse;
  e.sender = "edge/dev-1";
  e.overall_status_code = 200;
  e.id = "tunnel.start:s1";
  EXPECT_FALSE(ParseApplyAnswer(e).has_value());
  e.id = "config.apply:dev-1:x";
  EXPECT_FALSE(ParseApplyAnswer(e).has_value());
  e.id = "config.apply:dev-2:3";  // answered by another device
  EXPECT_FALSE(ParseApplyAnswer(e).has_value());
  e.id = "config.apply:dev-1:3";
  EXPECT_TRUE(ParseApplyAnswer(e).has_value());
  e.kind = kafka::EnvelopeKind::kEvent;
  EXPECT_FALSE(ParseApplyAnswer(e).has_value());
}

}  // namespace
}  // namespace fleet::devcfg
