#include "bff/commands/camera_routes.h"

#include <google/protobuf/util/time_util.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bff/http_util.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::bff::commands {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

absl::StatusOr<rapidjson::Document> Body(const http::Request& r) {
  rapidjson::Document d;
  if (r.body.empty()) {
    d.SetObject();
    return d;
  }
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || !d.IsObject()) return status::InvalidField("body", "the body must be a JSON object");
  return d;
}

// Only the listed members may appear.
absl::Status OnlyMembers(const rapidjson::Document& d, std::initializer_list<const char*> allowed) {
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || std::string(it->name.GetString()) == a;
    if (!ok) return status::InvalidField(it->name.GetString(), absl::StrCat("unknown field ", it->name.GetString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<double>> NumberIn(const rapidjson::Document& d, const char* field, double lo, double hi) {
  auto it = d.FindMember(field);
  if (it == d.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble()) || it->value.GetDouble() < lo ||
      it->value.GetDouble() > hi) {
    return status::InvalidField(field, absl::StrCat(field, " must be a number in [", lo, ", ", hi, "]"));
  }
  return it->value.GetDouble();
}


// {"device", "command", "requestId", "latencyMs", "result": <the device's body>}
http::Response CommandJson(const std::string& device, const std::string& type, const presence::v1::CommandResult& c) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("device"), w.String(("devices/" + device).c_str());
  w.Key("command"), w.String(type.c_str());
  w.Key("requestId"), w.String(c.request_id().c_str());
  w.Key("latencyMs"),
      w.Int64(google::protobuf::util::TimeUtil::DurationToMilliseconds(c.latency()));
  w.Key("result");
  rapidjson::Document body;
  body.Parse(c.body_json().c_str());
  if (!body.HasParseError() && body.IsObject()) {
    w.RawValue(c.body_json().c_str(), c.body_json().size(), rapidjson::kObjectType);
  } else {
    w.StartObject(), w.EndObject();
  }
  w.EndObject();
  return Json(200, buf.GetString());
}

std::string StreamJson(const LiveStream& s, bool reused) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("stream");
  w.StartObject();
  w.Key("streamId"), w.String(s.stream_id.c_str());
  w.Key("url"), w.String(s.url.c_str());
  w.Key("quality"), w.String(s.quality.c_str());
  w.Key("startTime"), w.String(absl::FormatTime(absl::RFC3339_sec, s.start_time, absl::UTCTimeZone()).c_str());
  w.Key("expireTime"), w.String(absl::FormatTime(absl::RFC3339_sec, s.expire_time, absl::UTCTimeZone()).c_str());
  w.EndObject();
  w.Key("reused"), w.Bool(reused);
  w.EndObject();
  return buf.GetString();
}

bool PrintableLine(const std::string& s) {
  if (s.empty() || s.size() > 1024) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

void CameraRoutes::Register(Router& router) {
  auto add = [&](const char* verb, http::Response (CameraRoutes::*fn)(const http::Request&, const std::string&)) {
    router.Add("POST", absl::StrCat("/v1/devices/{device}/camera:", verb),
               [this, fn](const http::Request& r, const PathVars& v) { return (this->*fn)(r, v.at("device")); });
  };
  add("rotate", &CameraRoutes::Rotate);
  add("zoom", &CameraRoutes::Zoom);
  add("startStream", &CameraRoutes::StartStream);
  add("stopStream", &CameraRoutes::StopStream);
  add("snapshot", &CameraRoutes::Snapshot);
}

absl::StatusOr<presence::v1::CommandResult> CameraRoutes::Send(const http::Request& r, const std::string& device,
                                                               const std::string& type, const std::string& body_json) {
  if (absl::Status st = ids::ValidateDeviceId(device); !st.ok()) return st;
  if (limiter_ != nullptr && !options_.device_limits.empty()) {
    ratelimit::Decision d = limiter_->Decide("devcmd:" + device, options_.device_limits);
    if (!d.allowed) {
      const int64_t secs = std::max<int64_t>(1, absl::ToInt64Seconds(d.retry_after + absl::Milliseconds(999)));
      return status::MakeError(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                               absl::StrCat("too many commands for device ", device, " (", d.limit,
                                            " allowed per window); retry in ", secs, " s"),
                               {{"device_id", device}, {"retry_after_seconds", absl::StrCat(secs)}});
    }
  }
  if (absl::Status st = breaker_.Allow(device, clock_.Now()); !st.ok()) return st;
  presence::v1::SendCommandRequest req;
  req.set_device_id(device);
  req.set_type(type);
  req.set_body_json(body_json);
  req.mutable_timeout()->set_seconds(absl::ToInt64Seconds(options_.command_timeout));
  sent_.fetch_add(1);
  absl::StatusOr<presence::v1::CommandResult> res =
      backend_.Send(req, ContextFor(r, options_.command_timeout + absl::Seconds(1)));
  if (!res.ok()) {
    const std::string reason = status::Reason(res.status());
    if (reason == "DEVICE_TIMEOUT" || absl::IsDeadlineExceeded(res.status())) {
      breaker_.Record(device, false, clock_.Now());
    }
    return res.status();
  }
  const int code = res->status_code();
  breaker_.Record(device, code < 500, clock_.Now());
  if (code >= 200 && code < 300) return res;
  std::string why = res->description().empty() ? absl::StrCat("the device answered ", code) : res->description();
  return status::MakeError(code >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kFailedPrecondition,
                           code >= 500 ? "DEVICE_COMMAND_FAILED" : "DEVICE_REJECTED_COMMAND",
                           absl::StrCat("device ", device, ": ", why),
                           {{"device_id", device}, {"device_status_code", absl::StrCat(code)}, {"command", type}});
}

http::Response CameraRoutes::Rotate(const http::Request& r, const std::string& device) {
  auto body = Body(r);
  if (!body.ok()) return Error(body.status(), r);
  if (absl::Status st = OnlyMembers(*body, {"pan", "tilt"}); !st.ok()) return Error(st, r);
  auto pan = NumberIn(*body, "pan", -180, 180);
  if (!pan.ok()) return Error(pan.status(), r);
  auto tilt = NumberIn(*body, "tilt", -90, 90);
  if (!tilt.ok()) return Error(tilt.status(), r);
  if (!pan->has_value() && !tilt->has_value()) return Error(status::InvalidField("pan", "give pan and/or tilt"), r);
  std::string json = "{";
  if (pan->has_value()) absl::StrAppend(&json, "\"pan\":", **pan);
  if (tilt->has_value()) absl::StrAppend(&json, pan->has_value() ? "," : "", "\"tilt\":", **tilt);
  json += "}";
  auto res = Send(r, device, "camera.rotate", json);
  if (!res.ok()) return Error(res.status(), r);
  return CommandJson(device, "camera.rotate", *res);
}

http::Response CameraRoutes::Zoom(const http::Request& r, const std::string& device) {
  auto body = Body(r);
  if (!body.ok()) return Error(body.status(), r);
  if (absl::Status st = OnlyMembers(*body, {"level"}); !st.ok()) return Error(st, r);
  auto it = body->FindMember("level");
  if (it == body->MemberEnd() || !it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > 20) {
    return Error(status::InvalidField("level", "level must be an integer in [1, 20]"), r);
  }
  auto res = Send(r, device, "camera.zoom", absl::StrCat("{\"level\":", it->value.GetInt(), "}"));
  if (!res.ok()) return Error(res.status(), r);
  return CommandJson(device, "camera.zoom", *res);
}

http::Response CameraRoutes::StartStream(const http::Request& r, const std::string& device) {
  auto body = Body(r);
  if (!body.ok()) return Error(body.status(), r);
  if (absl::Status st = OnlyMembers(*body, {"quality"}); !st.ok()) return Error(st, r);
  std::string quality = "sd";
  if (auto q = body->FindMember("quality"); q != body->MemberEnd()) {
    if (!q->value.IsString() || (std::string(q->value.GetString()) != "sd" && std::string(q->value.GetString()) != "hd")) {
      return Error(status::InvalidField("quality", "quality must be \"sd\" or \"hd\""), r);
    }
    quality = q->value.GetString();
  }
  if (absl::Status st = ids::ValidateDeviceId(device); !st.ok()) return Error(st, r);
  // A live stream is returned as is (whatever quality was asked: stop it first to change it).
  auto live = streams_.Get(device);
  if (!live.ok()) return Error(live.status(), r);
  if (live->has_value()) return Json(200, StreamJson(**live, true));
  // One start per device at a time, across replicas; the others wait for its stream.
  auto locked = streams_.TryLock(device, options_.command_timeout + absl::Seconds(2));
  if (!locked.ok()) return Error(locked.status(), r);
  if (!*locked) {
    const absl::Time until = clock_.Now() + options_.command_timeout + absl::Seconds(1);
    while (clock_.Now() < until) {
      absl::SleepFor(absl::Milliseconds(100));
      auto now_live = streams_.Get(device);
      if (now_live.ok() && now_live->has_value()) return Json(200, StreamJson(**now_live, true));
    }
    return Error(status::MakeError(absl::StatusCode::kAborted, "STREAM_START_IN_PROGRESS",
                                  absl::StrCat("device ", device, "'s stream is being started by another request"),
                                  {{"device_id", device}, {"retry_after_seconds", "1"}}),
                r);
  }
  auto res = Send(r, device, "camera.startStream", absl::StrCat("{\"quality\":\"", quality, "\"}"));
  if (!res.ok()) {
    (void)streams_.Unlock(device);
    return Error(res.status(), r);
  }
  rapidjson::Document d;
  d.Parse(res->body_json().c_str());
  LiveStream s;
  s.quality = quality;
  s.start_time = clock_.Now();
  int64_t expires_in = 0;
  if (!d.HasParseError() && d.IsObject()) {
    if (auto it = d.FindMember("stream_id"); it != d.MemberEnd() && it->value.IsString()) s.stream_id = it->value.GetString();
    if (auto it = d.FindMember("url"); it != d.MemberEnd() && it->value.IsString()) s.url = it->value.GetString();
    if (auto it = d.FindMember("expires_in"); it != d.MemberEnd() && it->value.IsInt64()) expires_in = it->value.GetInt64();
  }
  if (!PrintableLine(s.stream_id) || !PrintableLine(s.url) || expires_in <= 0) {
    (void)streams_.Unlock(device);
    return Error(status::MakeError(absl::StatusCode::kUnavailable, "DEVICE_COMMAND_FAILED",
                                  absl::StrCat("device ", device, " answered startStream without a stream"),
                                  {{"device_id", device}}),
                r);
  }
  s.expire_time = s.start_time + absl::Seconds(expires_in) - options_.stream_margin;
  absl::Status put = streams_.Put(device, s);
  (void)streams_.Unlock(device);
  if (!put.ok()) return Error(put, r);
  return Json(200, StreamJson(s, false));
}

http::Response CameraRoutes::StopStream(const http::Request& r, const std::string& device) {
  auto body = Body(r);
  if (!body.ok()) return Error(body.status(), r);
  if (absl::Status st = OnlyMembers(*body, {"streamId"}); !st.ok()) return Error(st, r);
  if (absl::Status st = ids::ValidateDeviceId(device); !st.ok()) return Error(st, r);
  std::string stream_id;
  if (auto it = body->FindMember("streamId"); it != body->MemberEnd()) {
    if (!it->value.IsString() || !PrintableLine(it->value.GetString())) {
      return Error(status::InvalidField("streamId", "streamId must be a non-empty string"), r);
    }
    stream_id = it->value.GetString();
  } else if (auto live = streams_.Get(device); live.ok() && live->has_value()) {
    stream_id = (*live)->stream_id;
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (!stream_id.empty()) w.Key("stream_id"), w.String(stream_id.c_str());
  w.EndObject();
  auto res = Send(r, device, "camera.stopStream", buf.GetString());
  if (!res.ok()) return Error(res.status(), r);
  if (absl::Status st = streams_.Delete(device); !st.ok()) return Error(st, r);
  return CommandJson(device, "camera.stopStream", *res);
}

http::Response CameraRoutes::Snapshot(const http::Request& r, const std::string& device) {
  auto body = Body(r);
  if (!body.ok()) return Error(body.status(), r);
  if (absl::Status st = OnlyMembers(*body, {}); !st.ok()) return Error(st, r);
  auto res = Send(r, device, "camera.snapshot", "{}");
  if (!res.ok()) return Error(res.status(), r);
  if (absl::StrContains(r.Header("accept"), "image/png")) {
    rapidjson::Document d;
    d.Parse(res->body_json().c_str());
    std::string png;
    if (!d.HasParseError() && d.IsObject() && d.HasMember("image_base64") && d["image_base64"].IsString() &&
        absl::Base64Unescape(d["image_base64"].GetString(), &png)) {
      http::Response out;
      out.status = 200;
      out.content_type = "image/png";
      out.body = std::move(png);
      return out;
    }
    return Error(status::MakeError(absl::StatusCode::kUnavailable, "DEVICE_COMMAND_FAILED",
                                  absl::StrCat("device ", device, " sent no image"), {{"device_id", device}}),
                r);
  }
  return CommandJson(device, "camera.snapshot", *res);
}

}  // namespace fleet::bff::commands
