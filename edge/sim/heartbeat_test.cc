// What the simulator sends is what device-online accepts: both content types.
#include "edge/sim/heartbeat.h"

#include "gtest/gtest.h"
#include "libs/kafka/envelope.h"
#include "services/device-online/edge/uplink_decoder.h"

namespace fleet::sim {
namespace {

Heartbeat Sample(const std::string& fw) {
  static std::string firmware;
  firmware = fw;
  return Heartbeat{7, "dev-000007", absl::FromUnixMillis(1'800'000'000'250), 12.5, 40.25, 51.3, -71,
                   &firmware};
}

TEST(HeartbeatTest, JsonIsAcceptedByDeviceOnline) {
  const std::string json = HeartbeatJson(Sample("1.4.2"), "hb-1");
  auto up = online::DecodeUplink(json, "");
  ASSERT_TRUE(up.ok()) << up.status() << "\n" << json;
  EXPECT_EQ(up->device_id, "dev-000007");
  EXPECT_EQ(up->type, "heartbeat");
  EXPECT_EQ(up->sent_at, absl::FromUnixMillis(1'800'000'000'250));
  EXPECT_EQ(*up->board.cpu_percent, 12.5);
  EXPECT_EQ(*up->board.mem_percent, 40.2);  // one decimal on the wire
  EXPECT_EQ(*up->board.firmware_version, "1.4.2");
  EXPECT_EQ(*up->board.signal_dbm, -71);
}

TEST(HeartbeatTest, ProtobufIsAcceptedByDeviceOnline) {
  auto up = online::DecodeUplink(HeartbeatProto(Sample("2.0.0"), "hb-2"), kafka::kProtobufContentType);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->device_id, "dev-000007");
  EXPECT_EQ(*up->board.firmware_version, "2.0.0");
  EXPECT_EQ(*up->board.temperature_c, 51.3);
}

}  // namespace
}  // namespace fleet::sim
