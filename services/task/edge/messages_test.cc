#include "services/task/edge/messages.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::task {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Decode(const std::string& json) {
  absl::StatusOr<kafka::Envelope> e = kafka::DecodeJson(json);
  EXPECT_TRUE(e.ok()) << e.status() << " " << json;
  return *e;
}

TEST(EncodeRequest, FirmwareUpgrade) {
  DeviceRequest r;
  r.request_id = "task-7-2";
  r.device_id = "dev-1";
  r.kind = CampaignKind::kFirmware;
  r.campaign_id = "c1";
  r.url = "https://cdn/fw.bin";
  r.sha256 = std::string(64, 'a');
  r.version = "2.0.0";
  r.size_bytes = 1234;
  absl::StatusOr<kafka::Envelope> e = EncodeRequest(r, kNow, "task", "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->id, "task-7-2");
  EXPECT_EQ(e->type, "firmware.upgrade");
  EXPECT_EQ(e->kind, kafka::EnvelopeKind::kRequest);
  EXPECT_THAT(e->body_json, HasSubstr(R"("kind":"FIRMWARE","version":"2.0.0","url":"https://cdn/fw.bin")"));
  EXPECT_THAT(e->body_json, HasSubstr(R"("size":1234)"));
  // It survives the wire.
  kafka::Envelope back = Decode(kafka::EncodeJson(*e));
  EXPECT_EQ(back.id, "task-7-2");
}

TEST(EncodeRequest, CommandCarriesArgsAsAnObject) {
  DeviceRequest r;
  r.request_id = "task-1-1";
  r.kind = CampaignKind::kCommand;
  r.command_name = "collect-logs";
  r.command_args_json = R"({"since": "1h"})";
  absl::StatusOr<kafka::Envelope> e = EncodeRequest(r, kNow, "task", "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, "command.run");
  EXPECT_THAT(e->body_json, HasSubstr(R"("command":"collect-logs","args":{"since":"1h"})"));
  r.command_args_json = "[1]";
  EXPECT_FALSE(EncodeRequest(r, kNow, "task", "").ok());
}

TEST(ParseUplink, ResponsesToOurRequestsOnly) {
  std::optional<Uplink> u = ParseUplink(Decode(
      R"({"response":{"id":"task-7-2","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z",)"
      R"("overall_status_code":"500","overall_status":"Failed","description":"flash failed",)"
      R"("body":{"error":"bad block"}}})"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->kind, Uplink::Kind::kResponse);
  EXPECT_EQ(u->device_id, "dev-1");
  EXPECT_EQ(u->request_id, "task-7-2");
  EXPECT_EQ(u->code, 500);
  EXPECT_EQ(u->detail, "flash failed: bad block");
  EXPECT_FALSE(ParseUplink(Decode(
      R"({"response":{"id":"tunnel.start:x","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z",)"
      R"("overall_status_code":"200"}})")).has_value());
}

TEST(ParseUplink, CommandOutput) {
  std::optional<Uplink> u = ParseUplink(Decode(
      R"({"response":{"id":"task-1-1","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z",)"
      R"("overall_status_code":"200","body":{"exit_code":0,"output":"up 3 days"}}})"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->detail, "exit 0: up 3 days");
}

TEST(ParseUplink, ProgressLogAndHeartbeat) {
  std::optional<Uplink> p = ParseUplink(Decode(
      R"({"event":{"id":"e1","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z","type":"firmware.progress",)"
      R"("body":{"request_id":"task-7-2","state":"DOWNLOADING","percent":42,"message":"3 MB/s"}}})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Uplink::Kind::kProgress);
  EXPECT_EQ(p->progress.state, ExecState::kDownloading);
  EXPECT_EQ(p->progress.percent, 42);
  EXPECT_EQ(p->progress.message, "3 MB/s");
  EXPECT_FALSE(ParseUplink(Decode(
      R"({"event":{"id":"e1","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z","type":"firmware.progress",)"
      R"("body":{"request_id":"task-7-2","state":"EXPLODING"}}})")).has_value());
  std::optional<Uplink> l = ParseUplink(Decode(
      R"({"event":{"id":"e2","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z","type":"task.log",)"
      R"("body":{"request_id":"task-7-2","line":"writing slot B"}}})"));
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->kind, Uplink::Kind::kLog);
  EXPECT_EQ(l->detail, "writing slot B");
  std::optional<Uplink> h = ParseUplink(Decode(
      R"({"event":{"id":"hb","sender":"edge/dev-1","timestamp":"2027-01-15T08:00:00Z","type":"heartbeat",)"
      R"("body":{"cpu":1.0,"firmware":"2.0.0"}}})"));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->kind, Uplink::Kind::kHeartbeat);
  EXPECT_EQ(h->firmware, "2.0.0");
  EXPECT_FALSE(ParseUplink(Decode(
      R"({"event":{"id":"hb","sender":"web","timestamp":"2027-01-15T08:00:00Z","type":"heartbeat",)"
      R"("body":{"firmware":"2.0.0"}}})")).has_value());
}

}  // namespace
}  // namespace fleet::task
