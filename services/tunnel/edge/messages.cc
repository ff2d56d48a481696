#include "services/tunnel/edge/messages.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fleet::tunnel {
namespace {

constexpr std::string_view kStartPrefix = "tunnel.start:";
constexpr std::string_view kStopPrefix = "tunnel.stop:";

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void Int(Writer& w, const char* key, int64_t v) {
  w.Key(key);
  w.Int64(v);
}

kafka::Envelope Request(std::string id, std::string_view type, absl::Time now,
                        std::string_view sender, std::string_view reply_to) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = std::move(id);
  e.type = std::string(type);
  e.sender = std::string(sender);
  e.reply_to = std::string(reply_to);
  e.timestamp = now;
  return e;
}

std::string_view AfterPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : std::string_view();
}

}  // namespace

std::string StartRequestId(std::string_view session_id) {
  return absl::StrCat(std::string(kStartPrefix), std::string(session_id));
}
std::string StopRequestId(std::string_view session_id) {
  return absl::StrCat(std::string(kStopPrefix), std::string(session_id));
}

kafka::Envelope EncodeStart(const StartRequest& r, absl::Time now, std::string_view sender,
                            std::string_view reply_to) {
  kafka::Envelope e = Request(StartRequestId(r.session_id), kStartType, now, sender, reply_to);
  e.description = "open remote access";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "session_id", r.session_id);
  Str(w, "server_addr", r.server_address);
  Int(w, "server_port", r.server_port);
  Str(w, "token", r.server_token);
  Str(w, "session_token", r.session_token);
  w.Key("proxies");
  w.StartArray();
  for (const ServicePort& p : r.proxies) {
    w.StartObject();
    Str(w, "name", p.name);
    Str(w, "type", "tcp");
    Str(w, "local_ip", p.local_ip);
    Int(w, "local_port", p.local_port);
    Int(w, "remote_port", p.remote_port);
    w.EndObject();
  }
  w.EndArray();
  Int(w, "auto_stop_service_in", absl::ToInt64Seconds(r.auto_stop_in));
  w.EndObject();
  e.body_json = buf.GetString();
  return e;
}

kafka::Envelope EncodeStop(std::string_view session_id, std::string_view reason, absl::Time now,
                           std::string_view sender, std::string_view reply_to) {
  kafka::Envelope e = Request(StopRequestId(session_id), kStopType, now, sender, reply_to);
  e.description = "close remote access";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "session_id", session_id);
  Str(w, "reason", reason);
  w.EndObject();
  e.body_json = buf.GetString();
  return e;
}

kafka::Envelope EncodeExtend(std::string_view session_id, absl::Duration auto_stop_in, absl::Time now,
                             std::string_view sender, std::string_view reply_to) {
  kafka::Envelope e = Request(absl::StrCat(std::string(kExtendType), ":", std::string(session_id), ":", absl::ToUnixSeconds(now)),
                              kExtendType, now, sender, reply_to);
  e.description = "extend remote access";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "session_id", session_id);
  w.Key("auto_stop_service_in");
  w.Int64(std::max<int64_t>(1, absl::ToInt64Seconds(auto_stop_in)));
  w.EndObject();
  e.body_json = buf.GetString();
  return e;
}

std::optional<DeviceAnswer> ParseAnswer(const kafka::Envelope& e) {
  if (e.kind != kafka::EnvelopeKind::kResponse) return std::nullopt;
  DeviceAnswer a;
  const bool ok = e.overall_status_code >= 200 && e.overall_status_code < 300;
  std::string_view session = AfterPrefix(e.id, kStartPrefix);
  if (!session.empty()) {
    a.kind = ok ? DeviceAnswer::Kind::kStarted : DeviceAnswer::Kind::kStartFailed;
  } else if (session = AfterPrefix(e.id, kStopPrefix); !session.empty()) {
    a.kind = ok ? DeviceAnswer::Kind::kStopped : DeviceAnswer::Kind::kStopFailed;
  } else {
    return std::nullopt;
  }
  a.session_id = std::string(session);
  if (absl::StatusOr<std::string> d = kafka::DeviceIdFromSender(e.sender); d.ok()) a.device_id = *d;
  if (!ok) {
    a.why = e.description;
    if (a.why.empty()) {
      rapidjson::Document doc;
      doc.Parse(e.body_json.c_str());
      if (!doc.HasParseError() && doc.IsObject()) {
        auto it = doc.FindMember("error");
        if (it != doc.MemberEnd() && it->value.IsString()) a.why = it->value.GetString();
      }
    }
    if (a.why.empty()) a.why = absl::StrCat("device answered ", e.overall_status_code);
  }
  return a;
}

}  // namespace fleet::tunnel
