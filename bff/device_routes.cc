#include "bff/device_routes.h"

#include <future>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bff/config_routes.h"
#include "bff/http_util.h"
#include "libs/log/log.h"
#include "libs/status/http.h"
#include "libs/status/status.h"
#include "libs/trace/context.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::bff {
namespace {

using config::v1::Device;

std::string DeviceName(const std::string& id) { return "devices/" + id; }

// "displayName" -> "display_name"; only the field part, so "labels.<key>" keys stay as sent.
std::string MaskPath(absl::string_view path) {
  const size_t dot = path.find('.');
  absl::string_view field = path.substr(0, dot);
  std::string out;
  for (char c : field) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      out.push_back('_');
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  if (dot != absl::string_view::npos) absl::StrAppend(&out, path.substr(dot));
  return out;
}

// The request's etag from the body field and/or If-Match; both given and different = error.
absl::StatusOr<std::string> Etag(const http::Request& r, const std::string& from_body, const char* field) {
  const std::string header = IfMatchEtag(r);
  if (!header.empty() && !from_body.empty() && header != from_body) {
    return status::InvalidField(field, "the If-Match header and the etag in the request differ");
  }
  return header.empty() ? from_body : header;
}

absl::StatusOr<config::v1::ImportFormat> ImportFormatOf(const http::Request& r) {
  std::string type = absl::AsciiStrToLower(r.Header("content-type"));
  type = std::string(absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
  if (type == "text/csv") return config::v1::CSV;
  if (type == "application/x-ndjson" || type == "application/jsonl" || type == "application/x-jsonlines" ||
      type == "application/jsonlines") {
    return config::v1::JSON_LINES;
  }
  return status::InvalidField(
      "Content-Type", absl::StrCat("import data must be sent as text/csv or application/x-ndjson (JSON lines), not \"",
                                   type, "\""));
}

// Appends `,"<key>":<the AIP-193 error object of st>` to the JSON object being built in `body`.
void AppendErrorObject(std::string& body, const char* key, const absl::Status& st, const http::Request& r) {
  rapidjson::Document err;
  err.Parse(status::ToHttpJson(st, r.Header("x-request-id")).c_str());
  if (err.HasParseError() || !err.IsObject() || !err.HasMember("error")) return;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  err["error"].Accept(w);
  absl::StrAppend(&body, ",\"", key, "\":", absl::string_view(buf.GetString(), buf.GetSize()));
}

}  // namespace

void DeviceRoutes::Register(Router& router) {
  router.Add("POST", "/v1/devices", [this](const http::Request& r, const PathVars&) { return Create(r); });
  router.Add("GET", "/v1/devices", [this](const http::Request& r, const PathVars&) { return List(r); });
  router.Add("GET", "/v1/devices/{device}",
             [this](const http::Request& r, const PathVars& v) { return Get(r, v.at("device")); });
  router.Add("PATCH", "/v1/devices/{device}",
             [this](const http::Request& r, const PathVars& v) { return Update(r, v.at("device")); });
  router.Add("DELETE", "/v1/devices/{device}",
             [this](const http::Request& r, const PathVars& v) { return Delete(r, v.at("device")); });
  router.Add("POST", "/v1/devices:batchGet",
             [this](const http::Request& r, const PathVars&) { return BatchGet(r, true); });
  router.Add("GET", "/v1/devices:batchGet",
             [this](const http::Request& r, const PathVars&) { return BatchGet(r, false); });
  router.Add("POST", "/v1/devices:import", [this](const http::Request& r, const PathVars&) { return Import(r); });
  router.Add("GET", "/v1/devices/{device}:overview",
             [this](const http::Request& r, const PathVars& v) { return Overview(r, v.at("device")); });
}

http::Response DeviceRoutes::Create(const http::Request& r) {
  config::v1::CreateDeviceRequest req;
  Device& d = *req.mutable_device();
  if (absl::Status st = ParseJsonBody(r, d, /*allow_empty=*/false); !st.ok()) return Error(st, r);
  const std::string query_id = r.QueryParam("device_id");
  if (!query_id.empty()) {
    if (!d.id().empty() && d.id() != query_id) {
      return Error(status::InvalidField("device_id", "device_id in the query and id in the body differ"), r);
    }
    d.set_id(query_id);
  }
  if (d.id().empty() && d.name().empty()) {
    return Error(status::InvalidField("device_id", "a device id is required (?device_id= or \"id\" in the body)"), r);
  }
  auto created = registry_.Create(req, ContextFor(r, timeout_));
  if (!created.ok()) return Error(created.status(), r);
  return ProtoJson(*created);
}

http::Response DeviceRoutes::Get(const http::Request& r, const std::string& id) {
  config::v1::GetDeviceRequest req;
  req.set_name(DeviceName(id));
  auto d = registry_.Get(req, ContextFor(r, timeout_));
  if (!d.ok()) return Error(d.status(), r);
  std::shared_ptr<const std::string> json = rendered_.Render(req.name(), *d);
  if (json == nullptr) return ProtoJson(*d);  // its 500
  return Json(200, *json);
}

http::Response DeviceRoutes::Update(const http::Request& r, const std::string& id) {
  config::v1::UpdateDeviceRequest req;
  Device& d = *req.mutable_device();
  if (absl::Status st = ParseJsonBody(r, d, /*allow_empty=*/false); !st.ok()) return Error(st, r);
  if (!d.id().empty() && d.id() != id) {
    return Error(status::InvalidField("id", "the id in the body differs from the one in the path"), r);
  }
  if (!d.name().empty() && d.name() != DeviceName(id)) {
    return Error(status::InvalidField("name", "the name in the body differs from the path"), r);
  }
  d.set_name(DeviceName(id));
  d.set_id(id);
  auto etag = Etag(r, d.etag(), "etag");
  if (!etag.ok()) return Error(etag.status(), r);
  d.set_etag(*etag);
  for (absl::string_view p : absl::StrSplit(r.QueryParam("update_mask"), ',', absl::SkipWhitespace())) {
    req.mutable_update_mask()->add_paths(MaskPath(absl::StripAsciiWhitespace(p)));
  }
  auto updated = registry_.Update(req, ContextFor(r, timeout_));
  if (!updated.ok()) return Error(updated.status(), r);
  return ProtoJson(*updated);
}

http::Response DeviceRoutes::Delete(const http::Request& r, const std::string& id) {
  config::v1::DeleteDeviceRequest req;
  req.set_name(DeviceName(id));
  auto etag = Etag(r, r.QueryParam("etag"), "etag");
  if (!etag.ok()) return Error(etag.status(), r);
  req.set_etag(*etag);
  if (absl::Status st = registry_.Delete(req, ContextFor(r, timeout_)); !st.ok()) return Error(st, r);
  return Json(200, "{}");
}

http::Response DeviceRoutes::List(const http::Request& r) {
  config::v1::ListDevicesRequest req;
  auto size = PageSize(r);
  if (!size.ok()) return Error(size.status(), r);
  req.set_page_size(*size);
  req.set_page_token(r.QueryParam("page_token"));
  req.set_filter(r.QueryParam("filter"));
  req.set_order_by(r.QueryParam("order_by"));
  auto resp = registry_.List(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return ProtoJson(*resp);
}

http::Response DeviceRoutes::BatchGet(const http::Request& r, bool from_body) {
  config::v1::BatchGetDevicesRequest req;
  if (from_body) {
    if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/false); !st.ok()) return Error(st, r);
  } else {
    for (std::string& n : RepeatedParam(r, "names")) req.add_names(std::move(n));
  }
  if (req.names_size() == 0) return Error(status::InvalidField("names", "at least one name is required"), r);
  auto resp = registry_.BatchGet(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return ProtoJson(*resp);
}

http::Response DeviceRoutes::Import(const http::Request& r) {
  config::v1::ImportDevicesRequest req;
  auto format = ImportFormatOf(r);
  if (!format.ok()) return Error(format.status(), r);
  auto validate_only = BoolParam(r, "validate_only");
  if (!validate_only.ok()) return Error(validate_only.status(), r);
  if (absl::StripAsciiWhitespace(r.body).empty()) {
    return Error(status::InvalidField("body", "the import data (request body) is empty"), r);
  }
  req.set_format(*format);
  req.set_data(r.body);
  req.set_validate_only(*validate_only);
  auto resp = registry_.Import(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return ProtoJson(*resp);
}

http::Response DeviceRoutes::Overview(const http::Request& r, const std::string& id) {
  // The three calls share one deadline, so the slowest bounds the whole request. Presence and
  // config run on the fan-out pool (with the request's trace context), the registry here.
  const CallContext call = ContextFor(r, timeout_);
  const trace::TraceContext trace_context = trace::Current();
  const std::string presence_name = DeviceName(id) + "/presence";
  auto fetch_presence = [this, &call, &presence_name, trace_context] {
    trace::ScopedContext scope(trace_context);
    return presence_.Get(presence_name, call);
  };
  config::v1::GetDeviceConfigRequest config_req;
  config_req.set_device(DeviceName(id));
  auto fetch_config = [this, &call, &config_req, trace_context] {
    trace::ScopedContext scope(trace_context);
    return config_.GetDeviceConfig(config_req, call);
  };
  config::v1::GetDeviceRequest req;
  req.set_name(DeviceName(id));
  absl::StatusOr<Device> device = absl::UnknownError("not read");
  absl::StatusOr<presence::v1::Presence> presence = absl::UnknownError("not read");
  absl::StatusOr<config::v1::DeviceConfig> device_config = absl::UnknownError("not read");
  if (overview_in_sequence_) {
    device = registry_.Get(req, call);
    if (!device.ok()) return Error(device.status(), r);
    device_config = fetch_config();
    presence = fetch_presence();
  } else {
    // (When the pool's queue is full, Run() calls right here: in sequence, never unbounded.)
    std::future<absl::StatusOr<presence::v1::Presence>> presence_future = fanout_.Run(fetch_presence);
    std::future<absl::StatusOr<config::v1::DeviceConfig>> config_future = fanout_.Run(fetch_config);
    device = registry_.Get(req, call);
    presence = presence_future.get();
    device_config = config_future.get();
    if (!device.ok()) return Error(device.status(), r);
  }

  // As ToJsonText: "{}" for the (never seen) message protobuf cannot print, never a null dereference.
  std::shared_ptr<const std::string> device_json = rendered_.Render(req.name(), *device);
  std::string body = absl::StrCat(R"({"device":)", device_json != nullptr ? *device_json : "{}");
  if (presence.ok()) {
    std::shared_ptr<const std::string> json = rendered_presence_.Render(presence_name, *presence);
    absl::StrAppend(&body, R"(,"presence":)", json != nullptr ? *json : "{}");
  } else if (presence.status().code() != absl::StatusCode::kNotFound) {
    // Degraded: the device page still renders; the client sees why presence is missing.
    log::Warn("overview without presence", {{"device_id", id}, {"error", presence.status().message()}});
    AppendErrorObject(body, "presenceError", presence.status(), r);
  }
  if (device_config.ok()) {
    absl::StrAppend(&body, R"(,"config":)", ConfigSummaryJson(*device_config));
  } else if (device_config.status().code() != absl::StatusCode::kNotFound) {
    log::Warn("overview without config", {{"device_id", id}, {"error", device_config.status().message()}});
    AppendErrorObject(body, "configError", device_config.status(), r);
  }
  body.push_back('}');
  return Json(200, std::move(body));
}

}  // namespace fleet::bff
