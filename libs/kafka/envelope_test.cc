#include "libs/kafka/envelope.h"

#include <string>

#include "absl/time/time.h"
#include "fleet/edge/v1/envelope.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "rapidjson/document.h"

namespace fleet::kafka {
namespace {

using ::testing::HasSubstr;

absl::Time T(const char* s) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, s, &t, &err)) << err;
  return t;
}

// Compares JSON texts semantically (key order does not matter).
bool SameJson(const std::string& a, const std::string& b) {
  rapidjson::Document da, db;
  da.Parse(a.c_str());
  db.Parse(b.c_str());
  return !da.HasParseError() && !db.HasParseError() && da == db;
}

void ExpectInvalid(std::string_view json, std::string_view message_part) {
  absl::StatusOr<Envelope> e = DecodeJson(json);
  ASSERT_FALSE(e.ok()) << json;
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << json;
  EXPECT_THAT(std::string(e.status().message()), HasSubstr(message_part)) << json;
}

void ExpectSameEnvelope(const Envelope& a, const Envelope& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.reply_to, b.reply_to);
  EXPECT_EQ(a.overall_status_code, b.overall_status_code);
  EXPECT_EQ(a.overall_status, b.overall_status);
  EXPECT_TRUE(SameJson(a.body_json, b.body_json)) << a.body_json << " vs " << b.body_json;
}

Envelope Sample(EnvelopeKind kind) {
  Envelope e;
  e.kind = kind;
  e.id = "req-42";
  e.sender = kind == EnvelopeKind::kRequest ? "web_backend" : "edge/dev-001";
  e.timestamp = T("2024-05-06T07:08:09.123Z");
  if (kind != EnvelopeKind::kEvent) e.description = "Ünïcødé ✓ 设备 🚀 \"quoted\"\n";
  if (kind != EnvelopeKind::kResponse) e.type = "tunnel.start";
  if (kind == EnvelopeKind::kRequest) e.reply_to = "fleet.reply.web-0";
  if (kind == EnvelopeKind::kResponse) {
    e.overall_status_code = 200;
    e.overall_status = "Succeed";
  }
  e.body_json =
      R"({"ports":[22,80,8554],"ratio":0.25,"enabled":true,"none":null,"nested":{"s":"x"},"big":-12345678901})";
  return e;
}

TEST(EnvelopeJsonTest, DecodesRequest) {
  absl::StatusOr<Envelope> e = DecodeJson(R"({"request": {"id": "r1", "sender": "web_backend",
      "timestamp": "2024-05-06T07:08:09Z", "description": "open ssh", "type": "tunnel.start",
      "reply_to": "fleet.reply.a", "body": {"port": 22, "names": ["a", "b"]}}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->kind, EnvelopeKind::kRequest);
  EXPECT_EQ(e->id, "r1");
  EXPECT_EQ(e->sender, "web_backend");
  EXPECT_EQ(e->timestamp, T("2024-05-06T07:08:09Z"));
  EXPECT_EQ(e->description, "open ssh");
  EXPECT_EQ(e->type, "tunnel.start");
  EXPECT_EQ(e->reply_to, "fleet.reply.a");
  EXPECT_EQ(e->body_json, R"({"port":22,"names":["a","b"]})");
}

TEST(EnvelopeJsonTest, DecodesResponseWithStringOrNumericStatusCode) {
  const char* kJson = R"({"response": {"id": "r1", "sender": "edge/dev-1",
      "timestamp": "2024-05-06T07:08:09+02:00", "description": "", "overall_status_code": %s,
      "overall_status": "Succeed", "body": {}}})";
  for (const char* code : {R"("200")", "200"}) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), kJson, code);
    absl::StatusOr<Envelope> e = DecodeJson(buf);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->kind, EnvelopeKind::kResponse);
    EXPECT_EQ(e->overall_status_code, 200);
    EXPECT_EQ(e->overall_status, "Succeed");
    EXPECT_EQ(e->timestamp, T("2024-05-06T05:08:09Z"));
    EXPECT_TRUE(e->type.empty());
  }
  ExpectInvalid(R"({"response": {"id": "r1", "sender": "edge/d", "timestamp": "2024-05-06T07:08:09Z",
      "overall_status_code": "OK"}})",
                "'overall_status_code' is not an integer");
  ExpectInvalid(R"({"response": {"id": "r1", "sender": "edge/d", "timestamp": "2024-05-06T07:08:09Z",
      "overall_status_code": true}})",
                "'overall_status_code' must be a string or an integer");
}

TEST(EnvelopeJsonTest, DecodesEventAndDefaultsBody) {
  absl::StatusOr<Envelope> e = DecodeJson(
      R"({"event":{"id":"e1","sender":"edge/dev-9","timestamp":"2024-05-06T07:08:09Z","type":"heartbeat"}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->kind, EnvelopeKind::kEvent);
  EXPECT_EQ(e->type, "heartbeat");
  EXPECT_EQ(e->body_json, "{}");
  e = DecodeJson(
      R"({"event":{"id":"e1","sender":"edge/dev-9","timestamp":"2024-05-06T07:08:09Z","type":"heartbeat","body":null}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->body_json, "{}");
}

TEST(EnvelopeJsonTest, AcceptsNumericIds) {
  absl::StatusOr<Envelope> e = DecodeJson(
      R"({"event":{"id":111,"sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"heartbeat"}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id, "111");
  e = DecodeJson(
      R"({"event":{"id":18446744073709551615,"sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"h"}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id, "18446744073709551615");
  ExpectInvalid(R"({"event":{"id":1.5,"sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"h"}})",
                "field 'id' must be a string or an integer");
}

TEST(EnvelopeJsonTest, IgnoresUnknownFields) {
  absl::StatusOr<Envelope> e = DecodeJson(
      R"({"version": 3, "event":{"id":"1","sender":"edge/d","timestamp":"2024-05-06T07:08:09Z",
          "type":"heartbeat","firmware":{"v":"1.2"},"reply_to":"ignored-for-events"}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->reply_to.empty());
}

TEST(EnvelopeJsonTest, RejectsBadJson) {
  ExpectInvalid("", "invalid JSON");
  ExpectInvalid("{", "invalid JSON");
  ExpectInvalid(R"({"event": {"id": "1",}})", "invalid JSON");
  ExpectInvalid(R"({"event": {}} trailing)", "invalid JSON");
  ExpectInvalid("\"just a string\"", "top level must be a JSON object");
  ExpectInvalid("[]", "top level must be a JSON object");
  ExpectInvalid(R"({"message": {}})", "one of 'request', 'response' or 'event'");
  ExpectInvalid(R"({"event": {}, "request": {}})", "more than one");
  ExpectInvalid(R"({"event": "hi"})", "'event' must be an object");
  // Invalid UTF-8 inside a string.
  ExpectInvalid("{\"event\":{\"id\":\"\xff\xfe\"}}", "invalid JSON");
}

TEST(EnvelopeJsonTest, RejectsWrongTypes) {
  const std::string head = R"({"request":{"id":"1","timestamp":"2024-05-06T07:08:09Z","type":"t",)";
  ExpectInvalid(head + R"("sender":7}})", "field 'sender' must be a string");
  ExpectInvalid(head + R"("sender":"s","description":false}})", "field 'description' must be a string");
  ExpectInvalid(head + R"("sender":"s","reply_to":{}}})", "field 'reply_to' must be a string");
  ExpectInvalid(R"({"event":{"id":"1","sender":"s","timestamp":1700000000,"type":"h"}})",
                "field 'timestamp' must be an RFC 3339 string");
  ExpectInvalid(R"({"event":{"id":"1","sender":"s","timestamp":"yesterday","type":"h"}})",
                "field 'timestamp' is not RFC 3339: 'yesterday'");
  ExpectInvalid(R"({"event":{"id":"1","sender":"s","timestamp":"2024-05-06T07:08:09Z","type":["h"]}})",
                "field 'type' must be a string");
}

TEST(EnvelopeJsonTest, RejectsMissingRequiredFields) {
  ExpectInvalid(R"({"event":{"sender":"s","timestamp":"2024-05-06T07:08:09Z","type":"h"}})",
                "field 'id' is missing");
  ExpectInvalid(R"({"event":{"id":"","sender":"s","timestamp":"2024-05-06T07:08:09Z","type":"h"}})",
                "field 'id' is missing or empty");
  ExpectInvalid(R"({"event":{"id":"1","timestamp":"2024-05-06T07:08:09Z","type":"h"}})",
                "field 'sender' is missing");
  ExpectInvalid(R"({"event":{"id":"1","sender":"s","type":"h"}})", "field 'timestamp' is missing");
  ExpectInvalid(R"({"event":{"id":"1","sender":"s","timestamp":"2024-05-06T07:08:09Z"}})",
                "field 'type' is missing or empty in event");
  ExpectInvalid(R"({"request":{"id":"1","sender":"s","timestamp":"2024-05-06T07:08:09Z"}})",
                "field 'type' is missing or empty in request");
}

TEST(EnvelopeJsonTest, RejectsBodyThatIsNotAnObject) {
  for (const char* body : {R"([1,2])", R"("text")", "42", "true"}) {
    ExpectInvalid(std::string(R"({"event":{"id":"1","sender":"s","timestamp":"2024-05-06T07:08:09Z","type":"h","body":)") +
                      body + "}}",
                  "field 'body' must be a JSON object");
  }
}

TEST(EnvelopeJsonTest, EncodesExactShape) {
  Envelope e;
  e.kind = EnvelopeKind::kEvent;
  e.id = "e1";
  e.sender = "edge/dev-1";
  e.timestamp = T("2024-05-06T07:08:09Z");
  e.type = "heartbeat";
  e.body_json = R"({"cpu":12})";
  EXPECT_EQ(EncodeJson(e),
            R"({"event":{"id":"e1","sender":"edge/dev-1","timestamp":"2024-05-06T07:08:09Z",)"
            R"("type":"heartbeat","body":{"cpu":12}}})");
  Envelope r = Sample(EnvelopeKind::kResponse);
  r.body_json = "";
  EXPECT_THAT(EncodeJson(r), HasSubstr(R"("overall_status_code":"200","overall_status":"Succeed","body":{}})"));
}

TEST(EnvelopeJsonTest, RoundTripsAllKindsWithUnicode) {
  for (EnvelopeKind kind : {EnvelopeKind::kRequest, EnvelopeKind::kResponse, EnvelopeKind::kEvent}) {
    const Envelope in = Sample(kind);
    absl::StatusOr<Envelope> out = DecodeJson(EncodeJson(in));
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectSameEnvelope(in, *out);
  }
}

TEST(EnvelopeJsonTest, DecodesEscapedUnicode) {
  absl::StatusOr<Envelope> e = DecodeJson(
      R"({"request":{"id":"1","sender":"s","timestamp":"2024-05-06T07:08:09Z","type":"t",)"
      R"("description":"caf\u00e9 \ud83d\ude80"}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->description, "café 🚀");
}

TEST(EnvelopeProtoTest, RoundTripsAllKinds) {
  for (EnvelopeKind kind : {EnvelopeKind::kRequest, EnvelopeKind::kResponse, EnvelopeKind::kEvent}) {
    const Envelope in = Sample(kind);
    absl::StatusOr<Envelope> out = DecodeProto(EncodeProto(in));
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectSameEnvelope(in, *out);
  }
}

TEST(EnvelopeProtoTest, ProtoAndJsonAgree) {
  const Envelope in = Sample(EnvelopeKind::kResponse);
  absl::StatusOr<Envelope> via_proto = DecodeProto(EncodeProto(in));
  ASSERT_TRUE(via_proto.ok());
  absl::StatusOr<Envelope> via_both = DecodeJson(EncodeJson(*via_proto));
  ASSERT_TRUE(via_both.ok()) << via_both.status();
  ExpectSameEnvelope(in, *via_both);
  // Integral numbers stay integral after the trip through google.protobuf.Struct.
  EXPECT_THAT(via_proto->body_json, HasSubstr(R"("big":-12345678901)"));
  EXPECT_THAT(via_proto->body_json, HasSubstr(R"("ratio":0.25)"));
}

TEST(EnvelopeProtoTest, RejectsGarbageAndIncompleteMessages) {
  absl::StatusOr<Envelope> e = DecodeProto("\xff\xff\xff garbage");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  e = DecodeProto("");
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("none of"));

  fleet::edge::v1::Envelope msg;
  msg.mutable_event()->set_id("1");
  msg.mutable_event()->set_sender("edge/d");
  msg.mutable_event()->set_type("heartbeat");
  e = DecodeProto(msg.SerializeAsString());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("field 'timestamp' is missing"));
  msg.mutable_event()->mutable_timestamp()->set_seconds(1700000000);
  msg.mutable_event()->clear_type();
  e = DecodeProto(msg.SerializeAsString());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("field 'type' is missing"));
  msg.mutable_event()->set_type("heartbeat");
  e = DecodeProto(msg.SerializeAsString());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->timestamp, absl::FromUnixSeconds(1700000000));
}

TEST(EnvelopeDecodeTest, PicksCodecFromContentType) {
  const Envelope in = Sample(EnvelopeKind::kEvent);
  const std::string json = EncodeJson(in);
  const std::string proto = EncodeProto(in);
  EXPECT_TRUE(Decode(json, "").ok());
  EXPECT_TRUE(Decode(json, "application/json").ok());
  EXPECT_TRUE(Decode(json, "Application/JSON; charset=utf-8").ok());
  EXPECT_TRUE(Decode(proto, kProtobufContentType).ok());
  EXPECT_FALSE(Decode(proto, "application/json").ok());
  EXPECT_FALSE(Decode(json, kProtobufContentType).ok());
  absl::StatusOr<Envelope> e = Decode(json, "text/xml");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("unsupported content-type 'text/xml'"));
}

TEST(EnvelopeTest, ValidateBodyJson) {
  EXPECT_TRUE(ValidateBodyJson("{}").ok());
  EXPECT_TRUE(ValidateBodyJson(R"({"a":[1,{"b":null}]})").ok());
  EXPECT_FALSE(ValidateBodyJson("[]").ok());
  EXPECT_FALSE(ValidateBodyJson("").ok());
  EXPECT_FALSE(ValidateBodyJson("{\"a\":").ok());
}

TEST(EnvelopeTest, DeviceIdFromSender) {
  EXPECT_EQ(*DeviceIdFromSender("edge/dev-001"), "dev-001");
  for (const char* bad : {"web_backend", "edge/", "edge", "edge/a/b", "EDGE/dev", ""}) {
    EXPECT_EQ(DeviceIdFromSender(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(EnvelopeTest, CheckFreshness) {
  const absl::Time now = T("2024-05-06T12:00:00Z");
  Envelope e = Sample(EnvelopeKind::kEvent);
  const absl::Duration max_age = absl::Minutes(10), skew = absl::Seconds(30);
  e.timestamp = now;
  EXPECT_TRUE(CheckFreshness(e, now, max_age, skew).ok());
  e.timestamp = now - max_age;
  EXPECT_TRUE(CheckFreshness(e, now, max_age, skew).ok());
  e.timestamp = now + skew;
  EXPECT_TRUE(CheckFreshness(e, now, max_age, skew).ok());

  e.timestamp = now - max_age - absl::Seconds(1);
  absl::Status s = CheckFreshness(e, now, max_age, skew);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status::Reason(s), "MESSAGE_STALE");
  EXPECT_THAT(std::string(s.message()), HasSubstr("10m1s old"));

  e.timestamp = now + absl::Minutes(5);
  s = CheckFreshness(e, now, max_age, skew);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status::Reason(s), "MESSAGE_FROM_FUTURE");
}

TEST(EnvelopeTest, ErrorReasonIsEmptyForOrdinaryErrors) {
  EXPECT_EQ(status::Reason(absl::InvalidArgumentError("envelope: field 'id' is missing")), "");
  EXPECT_EQ(status::Reason(absl::OkStatus()), "");
  EXPECT_EQ(status::Reason(status::MakeError(absl::StatusCode::kDeadlineExceeded, "DEVICE_TIMEOUT", "x")),
            "DEVICE_TIMEOUT");
}

TEST(EnvelopeTest, DownlinkTopic) {
  EXPECT_EQ(DownlinkTopic("edge.{device_id}.down", "dev-1"), "edge.dev-1.down");
  EXPECT_EQ(DownlinkTopic("", "dev-1"), "edge.dev-1.down");
  EXPECT_EQ(DownlinkTopic("site-a.{device_id}.cmd.{device_id}", "x"), "site-a.x.cmd.x");
  EXPECT_EQ(DownlinkTopic("static", "x"), "static");
}

}  // namespace
}  // namespace fleet::kafka

namespace fleet::kafka {
namespace {

TEST(EnvelopeJsonTest, RejectsInvalidUtf8AndNul) {
  const std::string head = R"({"event":{"id":"1","sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"h","body":{"s":")";
  for (std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    ExpectInvalid(head + bad + "\"}}}", "not valid UTF-8");
  }
  ExpectInvalid(std::string(R"({"event":{}})") + std::string(1, '\0') + "junk", "NUL");
  EXPECT_TRUE(DecodeJson(head + "\xe2\x82\xac \xf0\x9f\x9a\x80 \xc3\xa9\"}}}").ok());
}

TEST(EnvelopeJsonTest, KeepsNumberTextAndLastBodyAndSkipsUnknownNesting) {
  absl::StatusOr<Envelope> e = DecodeJson(
      R"({"x":{"event":{"id":"nested-not-a-kind"}},"event":{"id":"1","extra":[{"a":[1,{"b":2}]}],)"
      R"("sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"h",)"
      R"("body":{"old":1},"body":{ "f": 1.50, "e": 1e3, "n": -0, "list": [ true, false, null, "s\"q" ] }}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id, "1");
  EXPECT_EQ(e->body_json, R"({"f":1.50,"e":1e3,"n":-0,"list":[true,false,null,"s\"q"]})");
}

}  // namespace
}  // namespace fleet::kafka

namespace fleet::kafka {
namespace {

TEST(EnvelopeJsonTest, HandlesLargeMessagesThenSmallOnes) {
  const std::string big(3 << 20, 'x');
  const std::string json =
      R"({"event":{"id":"1","sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"log","body":{"text":")" +
      big + "\"}}}";
  absl::StatusOr<Envelope> e = DecodeJson(json);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->body_json.size(), big.size() + 11);
  e = DecodeJson(
      R"({"event":{"id":"2","sender":"edge/d","timestamp":"2024-05-06T07:08:09Z","type":"h","body":{"a":1}}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->body_json, R"({"a":1})");
}

}  // namespace
}  // namespace fleet::kafka
