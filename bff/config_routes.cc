#include "bff/config_routes.h"

#include <map>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bff/config_json.h"
#include "bff/http_util.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/status.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::bff {
namespace {

namespace v1 = config::v1;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

const std::map<std::string, std::string> kBodyFields = {{"bodyJson", "config"}};
const std::map<std::string, std::string> kDiffFields = {{"oldJson", "oldValue"}, {"newJson", "newValue"}};

std::string DeviceName(const std::string& id) { return "devices/" + id; }
std::string TemplateName(const std::string& name) { return "configTemplates/" + name; }

void Str(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void Raw(Writer& w, const char* key, const std::string& json) {
  w.Key(key);
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

// A non-negative integer from a path or query value; INVALID_FIELD `field` otherwise.
absl::StatusOr<int64_t> Integer(const std::string& text, const char* field, bool required) {
  int64_t v = 0;
  if (text.empty() && !required) return 0;
  if (!absl::SimpleAtoi(text, &v) || v < 0) {
    return status::InvalidField(field, absl::StrCat(field, " must be a non-negative integer"));
  }
  return v;
}

// The expected template revision from If-Match and/or `from_request`; both given and different = error.
absl::StatusOr<std::optional<int64_t>> ExpectedRevision(const http::Request& r, std::optional<int64_t> from_request) {
  const std::string header = IfMatchEtag(r);
  if (header.empty()) return from_request;
  int64_t v = 0;
  if (!absl::SimpleAtoi(header, &v) || v < 0) {
    return status::InvalidField("If-Match", "If-Match must be a template revision (a non-negative integer)");
  }
  if (from_request.has_value() && *from_request != v) {
    return status::InvalidField("expectedRevision", "the If-Match header and the expected revision differ");
  }
  return v;
}

http::Response Rendered(std::string json) { return Json(200, std::move(json)); }

}  // namespace

std::string DeviceConfigJson(const v1::DeviceConfig& c) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "name", c.name());
  Raw(w, "desired", RenderWithRawJson(c.desired(), kBodyFields));
  w.Key("reported");
  w.StartObject();
  Str(w, "version", absl::StrCat(c.reported_version()));
  Str(w, "status", c.reported_status());
  Str(w, "hash", c.reported_hash());
  if (c.has_report_time()) Str(w, "time", google::protobuf::util::TimeUtil::ToString(c.report_time()));
  w.EndObject();
  if (IsJson(c.effective_json())) Raw(w, "effectiveConfig", c.effective_json());
  Str(w, "effectiveHash", c.effective_hash());
  w.Key("inSync");
  w.Bool(c.in_sync());
  Str(w, "syncState", v1::SyncState_Name(c.sync_state()));
  if (c.failed_version() > 0) {
    w.Key("failure");
    w.StartObject();
    Str(w, "version", absl::StrCat(c.failed_version()));
    Str(w, "reason", c.failed_reason());
    if (c.has_failure_time()) Str(w, "time", google::protobuf::util::TimeUtil::ToString(c.failure_time()));
    w.EndObject();
  }
  w.Key("templates");
  w.StartArray();
  for (const std::string& t : c.templates()) w.String(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ConfigSummaryJson(const v1::DeviceConfig& c) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "desiredVersion", absl::StrCat(c.desired().version()));
  Str(w, "reportedVersion", absl::StrCat(c.reported_version()));
  Str(w, "reportedStatus", c.reported_status());
  w.Key("inSync");
  w.Bool(c.in_sync());
  Str(w, "syncState", v1::SyncState_Name(c.sync_state()));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

void ConfigRoutes::Register(Router& router) {
  router.Add("GET", "/v1/devices/{device}/config",
             [this](const http::Request& r, const PathVars& v) { return GetConfig(r, v.at("device")); });
  router.Add("POST", "/v1/devices/{device}/config:apply",
             [this](const http::Request& r, const PathVars& v) { return Apply(r, v.at("device")); });
  router.Add("POST", "/v1/devices/{device}/config:rollback",
             [this](const http::Request& r, const PathVars& v) { return Rollback(r, v.at("device")); });
  router.Add("GET", "/v1/devices/{device}/config:diff",
             [this](const http::Request& r, const PathVars& v) { return Diff(r, v.at("device")); });
  router.Add("GET", "/v1/devices/{device}/config/versions",
             [this](const http::Request& r, const PathVars& v) { return ListVersions(r, v.at("device")); });
  router.Add("GET", "/v1/devices/{device}/config/versions:diff",
             [this](const http::Request& r, const PathVars& v) { return Diff(r, v.at("device")); });
  router.Add("GET", "/v1/devices/{device}/config/versions/{version}", [this](const http::Request& r, const PathVars& v) {
    return GetVersion(r, v.at("device"), v.at("version"));
  });
  router.Add("GET", "/v1/configTemplates", [this](const http::Request& r, const PathVars&) { return ListTemplates(r); });
  // A template name has one to two segments: one route per shape.
  const std::pair<const char*, std::function<std::string(const PathVars&)>> shapes[] = {
      {"/v1/configTemplates/global", [](const PathVars&) { return std::string("global"); }},
      {"/v1/configTemplates/groups/{group}", [](const PathVars& v) { return "groups/" + v.at("group"); }},
      {"/v1/configTemplates/labels/{label}", [](const PathVars& v) { return "labels/" + v.at("label"); }},
  };
  for (const auto& [pattern, name_of] : shapes) {
    router.Add("GET", pattern, [this, name_of](const http::Request& r, const PathVars& v) {
      return GetTemplate(r, name_of(v));
    });
    router.Add("PUT", pattern, [this, name_of](const http::Request& r, const PathVars& v) {
      return PutTemplate(r, name_of(v));
    });
    router.Add("DELETE", pattern, [this, name_of](const http::Request& r, const PathVars& v) {
      return DeleteTemplate(r, name_of(v));
    });
  }
}

http::Response ConfigRoutes::GetConfig(const http::Request& r, const std::string& device) {
  v1::GetDeviceConfigRequest req;
  req.set_device(DeviceName(device));
  auto c = config_.GetDeviceConfig(req, ContextFor(r, timeout_));
  if (!c.ok()) return Error(c.status(), r);
  return Rendered(DeviceConfigJson(*c));
}

http::Response ConfigRoutes::Apply(const http::Request& r, const std::string& device) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  auto body = ParseObjectBody(r.body, {"config", "expectedVersion", "comment"});
  if (!body.ok()) return Error(body.status(), r);
  auto config = ObjectMember(*body, "config");
  if (!config.ok()) return Error(config.status(), r);
  auto expected = Int64Member(*body, "expectedVersion");
  if (!expected.ok()) return Error(expected.status(), r);
  auto comment = StringMember(*body, "comment");
  if (!comment.ok()) return Error(comment.status(), r);
  v1::SetDesiredConfigRequest req;
  req.set_device(DeviceName(device));
  req.set_body_json(*config);
  if (expected->has_value()) req.set_expected_version(**expected);
  req.set_author(*op);
  req.set_comment(*comment);
  auto v = config_.SetDesiredConfig(req, ContextFor(r, timeout_));
  if (!v.ok()) return Error(v.status(), r);
  return Rendered(RenderWithRawJson(*v, kBodyFields));
}

http::Response ConfigRoutes::Rollback(const http::Request& r, const std::string& device) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  auto body = ParseObjectBody(r.body, {"version", "expectedVersion", "comment"});
  if (!body.ok()) return Error(body.status(), r);
  auto version = Int64Member(*body, "version");
  if (!version.ok()) return Error(version.status(), r);
  if (!version->has_value() || **version <= 0) {
    return Error(status::InvalidField("version", "version (a positive integer: the version to roll back to) is required"),
                 r);
  }
  auto expected = Int64Member(*body, "expectedVersion");
  if (!expected.ok()) return Error(expected.status(), r);
  auto comment = StringMember(*body, "comment");
  if (!comment.ok()) return Error(comment.status(), r);
  v1::RollbackConfigRequest req;
  req.set_device(DeviceName(device));
  req.set_version(**version);
  if (expected->has_value()) req.set_expected_version(**expected);
  req.set_author(*op);
  req.set_comment(*comment);
  auto v = config_.RollbackConfig(req, ContextFor(r, timeout_));
  if (!v.ok()) return Error(v.status(), r);
  return Rendered(RenderWithRawJson(*v, kBodyFields));
}

http::Response ConfigRoutes::ListVersions(const http::Request& r, const std::string& device) {
  v1::ListConfigVersionsRequest req;
  auto size = PageSize(r);
  if (!size.ok()) return Error(size.status(), r);
  req.set_device(DeviceName(device));
  req.set_page_size(*size);
  req.set_page_token(r.QueryParam("page_token"));
  auto resp = config_.ListConfigVersions(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return Rendered(RenderWithRawJson(*resp, kBodyFields));
}

http::Response ConfigRoutes::GetVersion(const http::Request& r, const std::string& device,
                                        const std::string& version) {
  auto n = Integer(version, "version", /*required=*/true);
  if (!n.ok()) return Error(n.status(), r);
  v1::GetConfigVersionRequest req;
  req.set_device(DeviceName(device));
  req.set_version(*n);
  auto v = config_.GetConfigVersion(req, ContextFor(r, timeout_));
  if (!v.ok()) return Error(v.status(), r);
  return Rendered(RenderWithRawJson(*v, kBodyFields));
}

http::Response ConfigRoutes::Diff(const http::Request& r, const std::string& device) {
  auto from = Integer(r.QueryParam("from"), "from", /*required=*/true);
  if (!from.ok()) return Error(from.status(), r);
  auto to = Integer(r.QueryParam("to"), "to", /*required=*/true);
  if (!to.ok()) return Error(to.status(), r);
  v1::DiffConfigVersionsRequest req;
  req.set_device(DeviceName(device));
  req.set_from_version(*from);
  req.set_to_version(*to);
  auto resp = config_.DiffConfigVersions(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return Rendered(RenderWithRawJson(*resp, kDiffFields));
}

http::Response ConfigRoutes::ListTemplates(const http::Request& r) {
  auto resp = config_.ListConfigTemplates(v1::ListConfigTemplatesRequest(), ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return Rendered(RenderWithRawJson(*resp, kBodyFields));
}

http::Response ConfigRoutes::GetTemplate(const http::Request& r, const std::string& name) {
  v1::GetConfigTemplateRequest req;
  req.set_name(TemplateName(name));
  auto t = config_.GetConfigTemplate(req, ContextFor(r, timeout_));
  if (!t.ok()) return Error(t.status(), r);
  return Rendered(RenderWithRawJson(*t, kBodyFields));
}

http::Response ConfigRoutes::PutTemplate(const http::Request& r, const std::string& name) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  auto body = ParseObjectBody(r.body, {"config", "expectedRevision"});
  if (!body.ok()) return Error(body.status(), r);
  auto config = ObjectMember(*body, "config");
  if (!config.ok()) return Error(config.status(), r);
  auto from_body = Int64Member(*body, "expectedRevision");
  if (!from_body.ok()) return Error(from_body.status(), r);
  auto expected = ExpectedRevision(r, *from_body);
  if (!expected.ok()) return Error(expected.status(), r);
  v1::PutConfigTemplateRequest req;
  req.mutable_template_()->set_name(TemplateName(name));
  req.mutable_template_()->set_body_json(*config);
  if (expected->has_value()) req.set_expected_revision(**expected);
  req.set_author(*op);
  auto t = config_.PutConfigTemplate(req, ContextFor(r, timeout_));
  if (!t.ok()) return Error(t.status(), r);
  return Rendered(RenderWithRawJson(*t, kBodyFields));
}

http::Response ConfigRoutes::DeleteTemplate(const http::Request& r, const std::string& name) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  std::optional<int64_t> from_query;
  if (const std::string q = r.QueryParam("expected_revision"); !q.empty()) {
    auto n = Integer(q, "expected_revision", /*required=*/true);
    if (!n.ok()) return Error(n.status(), r);
    from_query = *n;
  }
  auto expected = ExpectedRevision(r, from_query);
  if (!expected.ok()) return Error(expected.status(), r);
  v1::DeleteConfigTemplateRequest req;
  req.set_name(TemplateName(name));
  if (expected->has_value()) req.set_expected_revision(**expected);
  if (absl::Status st = config_.DeleteConfigTemplate(req, ContextFor(r, timeout_)); !st.ok()) return Error(st, r);
  return Json(200, "{}");
}

}  // namespace fleet::bff
