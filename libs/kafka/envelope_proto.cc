// Protobuf-binary codec of the edge envelope (fleet.edge.v1.Envelope).

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "fleet/edge/v1/envelope.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/envelope_internal.h"
#include "rapidjson/document.h"
#include "rapidjson/writer.h"

namespace fleet::kafka {
namespace {

namespace pb = ::google::protobuf;
namespace rj = rapidjson;
using envelope_internal::Invalid;
using envelope_internal::StringOutStream;
using JsonWriter = rj::Writer<StringOutStream>;

// Valid google.protobuf.Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;
constexpr int kMaxDepth = 100;

void ToProtoTimestamp(absl::Time t, pb::Timestamp* out) {
  int64_t secs = absl::ToUnixSeconds(t);
  int64_t nanos = absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(secs));
  if (secs < kMinSeconds) secs = kMinSeconds, nanos = 0;
  if (secs > kMaxSeconds) secs = kMaxSeconds, nanos = 999999999;
  out->set_seconds(secs);
  out->set_nanos(static_cast<int32_t>(nanos));
}

absl::Status FromProtoTimestamp(bool present, const pb::Timestamp& ts, absl::Time* out) {
  if (!present) return Invalid("field 'timestamp' is missing");
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return Invalid(absl::StrCat("field 'timestamp' is out of range: ", ts.seconds(), "s ",
                                ts.nanos(), "ns"));
  }
  *out = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::OkStatus();
}

// ---- JSON text <-> google.protobuf.Struct ----

void JsonToValue(const rj::Value& in, pb::Value* out, int depth);

void JsonToStruct(const rj::Value& in, pb::Struct* out, int depth) {
  auto* fields = out->mutable_fields();
  for (auto it = in.MemberBegin(); it != in.MemberEnd(); ++it) {
    JsonToValue(it->value, &(*fields)[std::string(it->name.GetString(), it->name.GetStringLength())],
                depth + 1);
  }
}

void JsonToValue(const rj::Value& in, pb::Value* out, int depth) {
  if (depth > kMaxDepth) {
    out->set_null_value(pb::NULL_VALUE);
    return;
  }
  switch (in.GetType()) {
    case rj::kNullType:
      out->set_null_value(pb::NULL_VALUE);
      break;
    case rj::kFalseType:
    case rj::kTrueType:
      out->set_bool_value(in.GetBool());
      break;
    case rj::kNumberType:
      out->set_number_value(in.GetDouble());
      break;
    case rj::kStringType:
      out->set_string_value(in.GetString(), in.GetStringLength());
      break;
    case rj::kObjectType:
      JsonToStruct(in, out->mutable_struct_value(), depth);
      break;
    case rj::kArrayType: {
      pb::ListValue* list = out->mutable_list_value();
      for (const auto& item : in.GetArray()) JsonToValue(item, list->add_values(), depth + 1);
      break;
    }
  }
}

void WriteStruct(const pb::Struct& s, JsonWriter& w);

void WriteValue(const pb::Value& v, JsonWriter& w) {
  switch (v.kind_case()) {
    case pb::Value::kBoolValue:
      w.Bool(v.bool_value());
      break;
    case pb::Value::kNumberValue: {
      const double d = v.number_value();
      if (!std::isfinite(d)) {
        w.Null();  // JSON has no NaN or infinity
      } else if (std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) {
        w.Int64(static_cast<int64_t>(d));  // integral values print as 5, not 5.0
      } else {
        w.Double(d);
      }
      break;
    }
    case pb::Value::kStringValue:
      w.String(v.string_value().data(), static_cast<rj::SizeType>(v.string_value().size()));
      break;
    case pb::Value::kStructValue:
      WriteStruct(v.struct_value(), w);
      break;
    case pb::Value::kListValue:
      w.StartArray();
      for (const auto& item : v.list_value().values()) WriteValue(item, w);
      w.EndArray();
      break;
    case pb::Value::kNullValue:
    case pb::Value::KIND_NOT_SET:
      w.Null();
      break;
  }
}

void WriteStruct(const pb::Struct& s, JsonWriter& w) {
  w.StartObject();
  for (const auto& [key, value] : s.fields()) {
    w.Key(key.data(), static_cast<rj::SizeType>(key.size()));
    WriteValue(value, w);
  }
  w.EndObject();
}

void BodyToStruct(const std::string& body_json, pb::Struct* out) {
  if (body_json.empty()) return;
  rj::Document doc;
  doc.Parse(body_json.data(), body_json.size());
  if (!doc.HasParseError() && doc.IsObject()) JsonToStruct(doc, out, 0);
}

std::string StructToBody(const pb::Struct& s) {
  std::string out;
  StringOutStream stream(&out);
  JsonWriter w(stream);
  WriteStruct(s, w);
  return out;
}

}  // namespace

absl::StatusOr<Envelope> DecodeProto(std::string_view bytes) {
  fleet::edge::v1::Envelope msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Invalid("invalid protobuf fleet.edge.v1.Envelope");
  }
  Envelope e;
  absl::Status s;
  switch (msg.kind_case()) {
    case fleet::edge::v1::Envelope::kRequest: {
      const auto& r = msg.request();
      e.kind = EnvelopeKind::kRequest;
      e.id = r.id();
      e.sender = r.sender();
      e.description = r.description();
      e.type = r.type();
      e.reply_to = r.reply_to();
      e.body_json = StructToBody(r.body());
      s = FromProtoTimestamp(r.has_timestamp(), r.timestamp(), &e.timestamp);
      break;
    }
    case fleet::edge::v1::Envelope::kResponse: {
      const auto& r = msg.response();
      e.kind = EnvelopeKind::kResponse;
      e.id = r.id();
      e.sender = r.sender();
      e.description = r.description();
      e.overall_status_code = r.overall_status_code();
      e.overall_status = r.overall_status();
      e.body_json = StructToBody(r.body());
      s = FromProtoTimestamp(r.has_timestamp(), r.timestamp(), &e.timestamp);
      break;
    }
    case fleet::edge::v1::Envelope::kEvent: {
      const auto& r = msg.event();
      e.kind = EnvelopeKind::kEvent;
      e.id = r.id();
      e.sender = r.sender();
      e.type = r.type();
      e.body_json = StructToBody(r.body());
      s = FromProtoTimestamp(r.has_timestamp(), r.timestamp(), &e.timestamp);
      break;
    }
    case fleet::edge::v1::Envelope::KIND_NOT_SET:
      return Invalid("none of 'request', 'response', 'event' is set");
  }
  if (!s.ok()) return s;
  if (s = envelope_internal::CheckRequired(e); !s.ok()) return s;
  return e;
}

std::string EncodeProto(const Envelope& e) {
  fleet::edge::v1::Envelope msg;
  switch (e.kind) {
    case EnvelopeKind::kRequest: {
      auto* r = msg.mutable_request();
      r->set_id(e.id);
      r->set_sender(e.sender);
      ToProtoTimestamp(e.timestamp, r->mutable_timestamp());
      r->set_description(e.description);
      r->set_type(e.type);
      r->set_reply_to(e.reply_to);
      BodyToStruct(e.body_json, r->mutable_body());
      break;
    }
    case EnvelopeKind::kResponse: {
      auto* r = msg.mutable_response();
      r->set_id(e.id);
      r->set_sender(e.sender);
      ToProtoTimestamp(e.timestamp, r->mutable_timestamp());
      r->set_description(e.description);
      r->set_overall_status_code(e.overall_status_code);
      r->set_overall_status(e.overall_status);
      BodyToStruct(e.body_json, r->mutable_body());
      break;
    }
    case EnvelopeKind::kEvent: {
      auto* r = msg.mutable_event();
      r->set_id(e.id);
      r->set_sender(e.sender);
      ToProtoTimestamp(e.timestamp, r->mutable_timestamp());
      r->set_type(e.type);
      BodyToStruct(e.body_json, r->mutable_body());
      break;
    }
  }
  return msg.SerializeAsString();
}

}  // namespace fleet::kafka
