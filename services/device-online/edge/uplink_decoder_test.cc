#include "services/device-online/edge/uplink_decoder.h"

#include "gtest/gtest.h"
#include "libs/kafka/envelope.h"
#include "libs/status/status.h"

namespace fleet::online {
namespace {

TEST(UplinkDecoderTest, HeartbeatWithBoard) {
  auto up = DecodeUplink(R"({"event":{"id":"e1","sender":"edge/dev-7","timestamp":"2026-11-22T10:00:00Z",
      "type":"heartbeat","body":{"cpu":12.5,"mem":40,"temperature":51.3,"firmware":"1.4.2","signal":-71}}})",
                         "");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->device_id, "dev-7");
  EXPECT_EQ(up->type, "heartbeat");
  EXPECT_EQ(up->sent_at, absl::FromUnixSeconds(1795341600));
  EXPECT_EQ(*up->board.cpu_percent, 12.5);
  EXPECT_EQ(*up->board.mem_percent, 40);
  EXPECT_EQ(*up->board.firmware_version, "1.4.2");
  EXPECT_EQ(*up->board.signal_dbm, -71);
}

TEST(UplinkDecoderTest, ResponseWithNumericIdIsASignOfLife) {
  auto up = DecodeUplink(R"({"response":{"id":111,"sender":"edge/dev-7","timestamp":"2026-11-22T10:00:00Z",
      "overall_status_code":"200","overall_status":"Succeed","body":{}}})",
                         "application/json");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->type, "response");
  EXPECT_TRUE(up->board.empty());
}

TEST(UplinkDecoderTest, ProtobufContentType) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kEvent;
  e.id = "x";
  e.sender = "edge/dev-9";
  e.type = "heartbeat";
  e.timestamp = absl::FromUnixSeconds(1795341600);
  e.body_json = R"({"cpu":3})";
  auto up = DecodeUplink(kafka::EncodeProto(e), kafka::kProtobufContentType);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->device_id, "dev-9");
  EXPECT_EQ(*up->board.cpu_percent, 3);
}

TEST(UplinkDecoderTest, RejectsBadSendersAndBodies) {
  const char* cases[] = {
      R"({"event":{"id":"1","sender":"web_backend","timestamp":"2026-11-22T10:00:00Z","type":"heartbeat"}})",
      R"({"event":{"id":"1","sender":"edge/bad id","timestamp":"2026-11-22T10:00:00Z","type":"heartbeat"}})",
      R"({"event":{"id":"1","sender":"edge/d","timestamp":"2026-11-22T10:00:00Z","type":"heartbeat","body":{"cpu":"hot"}}})",
      R"({"event":{"id":"1","sender":"edge/d","timestamp":"2026-11-22T10:00:00Z","type":"heartbeat","body":{"signal":-71.5}}})",
      R"(not json)",
  };
  for (const char* c : cases) {
    auto up = DecodeUplink(c, "");
    EXPECT_EQ(up.status().code(), absl::StatusCode::kInvalidArgument) << c;
    EXPECT_FALSE(up.status().message().empty());
  }
}

}  // namespace
}  // namespace fleet::online
