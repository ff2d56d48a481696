#include "services/task/edge/messages.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/task/domain/execution_machine.h"

namespace fleet::task {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string StringField(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

absl::StatusOr<kafka::Envelope> EncodeRequest(const DeviceRequest& r, absl::Time now,
                                              std::string_view sender, std::string_view reply_to) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = r.request_id;
  e.sender = std::string(sender);
  e.reply_to = std::string(reply_to);
  e.timestamp = now;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "campaign_id", r.campaign_id);
  if (r.kind == CampaignKind::kCommand) {
    e.type = std::string(kCommandType);
    e.description = "run " + r.command_name;
    rapidjson::Document args;
    args.Parse(r.command_args_json.c_str());
    if (args.HasParseError() || !args.IsObject()) {
      return status::InvalidField("spec.command.args_json", "command.args_json must be a JSON object");
    }
    Str(w, "command", r.command_name);
    w.Key("args");
    args.Accept(w);
  } else {
    e.type = std::string(kUpgradeType);
    e.description = absl::StrCat("upgrade to ", r.version);
    Str(w, "kind", r.kind == CampaignKind::kMcu ? "MCU" : "FIRMWARE");
    Str(w, "version", r.version);
    Str(w, "url", r.url);
    Str(w, "sha256", r.sha256);
    w.Key("size");
    w.Int64(r.size_bytes);
  }
  w.EndObject();
  e.body_json = buf.GetString();
  return e;
}

std::optional<Uplink> ParseUplink(const kafka::Envelope& e) {
  absl::StatusOr<std::string> device = kafka::DeviceIdFromSender(e.sender);
  if (!device.ok()) return std::nullopt;
  Uplink u;
  u.device_id = *device;
  rapidjson::Document body;
  body.Parse(e.body_json.c_str());
  const bool has_body = !body.HasParseError() && body.IsObject();
  if (e.kind == kafka::EnvelopeKind::kResponse) {
    if (!ParseRequestId(e.id).has_value()) return std::nullopt;
    u.kind = Uplink::Kind::kResponse;
    u.request_id = e.id;
    u.code = e.overall_status_code;
    u.detail = e.description;
    if (has_body) {
      const std::string output = StringField(body, "output");
      auto code = body.FindMember("exit_code");
      if (code != body.MemberEnd() && code->value.IsInt()) {
        absl::StrAppend(&u.detail, u.detail.empty() ? "" : "; ", "exit ", code->value.GetInt());
      }
      if (!output.empty()) absl::StrAppend(&u.detail, u.detail.empty() ? "" : ": ", output);
      const std::string error = StringField(body, "error");
      if (!error.empty() && u.detail.find(error) == std::string::npos) {
        absl::StrAppend(&u.detail, u.detail.empty() ? "" : ": ", error);
      }
    }
    return u;
  }
  if (e.kind != kafka::EnvelopeKind::kEvent || !has_body) return std::nullopt;
  if (e.type == "heartbeat") {
    u.kind = Uplink::Kind::kHeartbeat;
    u.firmware = StringField(body, "firmware");
    if (u.firmware.empty()) return std::nullopt;
    return u;
  }
  u.request_id = StringField(body, "request_id");
  if (!ParseRequestId(u.request_id).has_value()) return std::nullopt;
  if (e.type == kLogType) {
    u.kind = Uplink::Kind::kLog;
    u.detail = StringField(body, "line");
    return u;
  }
  if (e.type != kProgressType) return std::nullopt;
  u.kind = Uplink::Kind::kProgress;
  std::optional<ExecState> state = ParseExecState(StringField(body, "state"));
  if (!state.has_value()) return std::nullopt;
  u.progress.state = *state;
  auto pct = body.FindMember("percent");
  if (pct != body.MemberEnd() && pct->value.IsInt()) u.progress.percent = pct->value.GetInt();
  u.progress.message = StringField(body, "message");
  u.progress.version = StringField(body, "version");
  return u;
}

}  // namespace fleet::task
