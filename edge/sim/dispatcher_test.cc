#include "edge/sim/dispatcher.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Request(std::string type, absl::Time at, std::string reply_to = "") {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = "req-1";
  e.sender = "tunnel";
  e.timestamp = at;
  e.type = std::move(type);
  e.reply_to = std::move(reply_to);
  return e;
}

std::unique_ptr<Dispatcher> Make() {
  auto d = std::make_unique<Dispatcher>(
      DispatcherOptions{.uplink_topic = "edge.up", .request_max_age = absl::Minutes(10)});
  d->Register("echo", [](const std::string& dev, const kafka::Envelope& r, absl::Time) {
    return HandlerResult{.code = 200, .body_json = R"({"dev":")" + dev + R"("})",
                         .delay = absl::Seconds(2)};
  });
  d->Register("broken", [](const std::string&, const kafka::Envelope&, absl::Time) {
    return HandlerResult{.code = 500, .description = "no"};
  });
  return d;
}

TEST(DispatcherTest, AnswersToUplinkKeyedByDeviceAfterDelay) {
  auto owned = Make();
  Dispatcher& d = *owned;
  auto out = d.Dispatch("dev-000001", Request("echo", kNow), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->topic, "edge.up");
  EXPECT_EQ(out->key, "dev-000001");
  EXPECT_EQ(out->send_at, kNow + absl::Seconds(2));
  EXPECT_EQ(out->response.kind, kafka::EnvelopeKind::kResponse);
  EXPECT_EQ(out->response.id, "req-1");
  EXPECT_EQ(out->response.sender, "edge/dev-000001");
  EXPECT_EQ(out->response.overall_status_code, 200);
  EXPECT_EQ(out->response.overall_status, "Succeed");
  EXPECT_EQ(out->response.body_json, R"({"dev":"dev-000001"})");
  EXPECT_EQ(d.handled(), 1);
}

TEST(DispatcherTest, RepliesToReplyToAndReportsFailure) {
  auto owned = Make();
  Dispatcher& d = *owned;
  auto out = d.Dispatch("dev-000001", Request("broken", kNow, "replies.a"), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->topic, "replies.a");
  EXPECT_EQ(out->response.overall_status_code, 500);
  EXPECT_EQ(out->response.overall_status, "Failed");
  EXPECT_EQ(out->response.description, "no");
}

TEST(DispatcherTest, DropsStaleRequestsAndCountsThem) {
  auto owned = Make();
  Dispatcher& d = *owned;
  EXPECT_FALSE(d.Dispatch("dev-000001", Request("echo", kNow - absl::Minutes(11)), kNow));
  EXPECT_EQ(d.dropped_stale(), 1);
  EXPECT_TRUE(d.Dispatch("dev-000001", Request("echo", kNow - absl::Minutes(9)), kNow));
  EXPECT_FALSE(d.Dispatch("dev-000001", Request("echo", kNow + absl::Minutes(5)), kNow));
  EXPECT_EQ(d.dropped_other(), 1);
  EXPECT_EQ(d.handled(), 1);
}

TEST(DispatcherTest, IgnoresNonRequestsAndAnswersUnknownTypes) {
  auto owned = Make();
  Dispatcher& d = *owned;
  kafka::Envelope ev = Request("echo", kNow);
  ev.kind = kafka::EnvelopeKind::kResponse;
  EXPECT_FALSE(d.Dispatch("dev-000001", ev, kNow));
  auto out = d.Dispatch("dev-000001", Request("camera.reboot", kNow), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status_code, 501);
  EXPECT_EQ(out->response.overall_status, "Failed");
  EXPECT_EQ(d.unknown_type(), 1);
}

TEST(DownlinkTopicTest, SubscriptionAndDeviceFromTopic) {
  EXPECT_EQ(DownlinkSubscription("edge.{device_id}.down"), R"(^edge\..*\.down$)");
  EXPECT_EQ(DownlinkSubscription(""), R"(^edge\..*\.down$)");
  EXPECT_EQ(DownlinkSubscription("edge.down"), "edge.down");
  EXPECT_EQ(DeviceFromTopic("edge.{device_id}.down", "edge.dev-000003.down"), "dev-000003");
  EXPECT_EQ(DeviceFromTopic("edge.{device_id}.down", "edge.up"), "");
  EXPECT_EQ(DeviceFromTopic("edge.{device_id}.down", "edge..down"), "");
  EXPECT_EQ(DeviceFromTopic("edge.down", "edge.down"), "");
}

}  // namespace
}  // namespace fleet::sim
