#include "services/device-online/edge/presence_topic.h"

#include "gtest/gtest.h"

namespace fleet::online {
namespace {

TEST(PresenceTopicTest, TransitionJsonRoundTrip) {
  Transition t{"1795376281569-0", "dev-7", State::kOffline, absl::FromUnixMillis(1795376281569),
               absl::FromUnixMillis(1795376191000), "timeout"};
  const std::string json = EncodeTransition(t);
  EXPECT_NE(json.find(R"("state":"OFFLINE")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("deviceId":"dev-7")"), std::string::npos) << json;
  absl::StatusOr<Transition> back = DecodeTransition(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, t.id);
  EXPECT_EQ(back->device_id, t.device_id);
  EXPECT_EQ(back->state, t.state);
  EXPECT_EQ(back->time, t.time);
  EXPECT_EQ(back->last_seen, t.last_seen);
  EXPECT_EQ(back->cause, "timeout");
}

TEST(PresenceTopicTest, RejectsGarbage) {
  EXPECT_FALSE(DecodeTransition("nope").ok());
  EXPECT_FALSE(DecodeTransition("{}").ok());
  EXPECT_FALSE(DecodeTransition(R"({"deviceId":"d"})").ok());
}

}  // namespace
}  // namespace fleet::online
