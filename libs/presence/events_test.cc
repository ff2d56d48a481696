#include "libs/presence/events.h"

#include <gtest/gtest.h>

namespace fleet::presence {
namespace {

TEST(DecodePresenceEventTest, DecodesOnlineTransition) {
  absl::StatusOr<PresenceEvent> e = DecodePresenceEvent(
      R"({"deviceId":"dev-1","state":"ONLINE","time":"2026-11-22T10:00:00Z","transitionId":"t-9","cause":"uplink"})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->device_id, "dev-1");
  EXPECT_TRUE(e->online);
  EXPECT_EQ(e->time, absl::FromUnixSeconds(1795341600));
  EXPECT_EQ(e->transition_id, "t-9");
  EXPECT_EQ(e->cause, "uplink");
}

TEST(DecodePresenceEventTest, DecodesOfflineAndIgnoresUnknownFields) {
  absl::StatusOr<PresenceEvent> e =
      DecodePresenceEvent(R"({"deviceId":"d","state":"OFFLINE","someFutureField":1})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->online);
  EXPECT_EQ(e->time, absl::InfinitePast());
}

TEST(DecodePresenceEventTest, RejectsMissingDeviceStateOrGarbage) {
  EXPECT_EQ(DecodePresenceEvent(R"({"state":"ONLINE"})").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePresenceEvent(R"({"deviceId":"d"})").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePresenceEvent("not json").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePresenceEvent("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PresenceGroupOverridesTest, NewGroupsStartAtTheEnd) {
  EXPECT_EQ(PresenceGroupOverrides().at("auto.offset.reset"), "latest");
}

}  // namespace
}  // namespace fleet::presence
