#include "services/device-online/edge/uplink_decoder.h"

#include <string>

#include "libs/ids/device_id.h"
#include "libs/kafka/envelope.h"
#include "libs/status/status.h"
#include "rapidjson/document.h"

namespace fleet::online {
namespace {

absl::Status BadField(const char* field, const char* want) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD",
                           std::string("heartbeat body: \"") + field + "\" must be " + want,
                           {{"field", std::string("body.") + field}});
}

}  // namespace

absl::StatusOr<BoardParams> ParseBoardParams(std::string_view body_json) {
  rapidjson::Document doc;
  doc.Parse(body_json.data(), body_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD",
                             "heartbeat body is not a JSON object", {{"field", "body"}});
  }
  BoardParams b;
  auto number = [&](const char* name, std::optional<double>& out) -> absl::Status {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
    if (!it->value.IsNumber()) return BadField(name, "a number");
    out = it->value.GetDouble();
    return absl::OkStatus();
  };
  if (auto st = number("cpu", b.cpu_percent); !st.ok()) return st;
  if (auto st = number("mem", b.mem_percent); !st.ok()) return st;
  if (auto st = number("temperature", b.temperature_c); !st.ok()) return st;
  if (auto it = doc.FindMember("firmware"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsString()) return BadField("firmware", "a string");
    b.firmware_version = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  if (auto it = doc.FindMember("signal"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsInt()) return BadField("signal", "an integer (dBm)");
    b.signal_dbm = it->value.GetInt();
  }
  return b;
}

absl::StatusOr<Uplink> DecodeUplink(std::string_view payload, std::string_view content_type) {
  absl::StatusOr<kafka::Envelope> env = kafka::Decode(payload, content_type);
  if (!env.ok()) return env.status();
  absl::StatusOr<std::string> device = kafka::DeviceIdFromSender(env->sender);
  if (!device.ok()) return device.status();
  if (absl::Status st = ids::ValidateDeviceId(*device, "sender"); !st.ok()) return st;
  Uplink up;
  up.device_id = std::move(*device);
  up.sent_at = env->timestamp;
  switch (env->kind) {
    case kafka::EnvelopeKind::kEvent:
      up.type = env->type;
      break;
    case kafka::EnvelopeKind::kResponse:
      up.type = "response";
      break;
    case kafka::EnvelopeKind::kRequest:
      up.type = "request:" + env->type;
      break;
  }
  if (env->kind == kafka::EnvelopeKind::kEvent && env->type == "heartbeat") {
    absl::StatusOr<BoardParams> board = ParseBoardParams(env->body_json);
    if (!board.ok()) return board.status();
    up.board = std::move(*board);
  }
  return up;
}

}  // namespace fleet::online
