#include "bff/openapi/openapi.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "bff/auth/policy.h"

namespace fleet::bff::openapi {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// Parses JSON text this package owns; a typo is a programming error caught by openapi_test.
Value ParseOwned(const std::string& text, Alloc& a) {
  rapidjson::Document d(&a);
  d.Parse(text.c_str());
  if (d.HasParseError()) std::abort();
  Value v;
  v.CopyFrom(d, a);
  return v;
}

Value Str(const std::string& s, Alloc& a) { return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a); }

void Add(Value& obj, const std::string& key, Value v, Alloc& a) { obj.AddMember(Str(key, a), v, a); }

Value Ref(const std::string& kind, const std::string& name, Alloc& a) {
  Value v(rapidjson::kObjectType);
  Add(v, "$ref", Str("#/components/" + kind + "/" + name, a), a);
  return v;
}

Value Schema(const std::string& spec, Alloc& a) {
  if (!spec.empty() && spec[0] == '{') return ParseOwned(spec, a);
  return Ref("schemas", spec, a);
}

Value Content(const std::string& types, const std::string& schema, Alloc& a) {
  Value content(rapidjson::kObjectType);
  for (absl::string_view t : absl::StrSplit(types, ',')) {
    Value media(rapidjson::kObjectType);
    Add(media, "schema", Schema(schema, a), a);
    Add(content, std::string(t), std::move(media), a);
  }
  return content;
}

const char* PermissionName(auth::Permission p) {
  switch (p) {
    case auth::Permission::kPublic: return "public";
    case auth::Permission::kAuthenticated: return "authenticated";
    case auth::Permission::kViewer: return "viewer";
    case auth::Permission::kOperator: return "operator";
    case auth::Permission::kAdmin: return "admin";
  }
  return "admin";
}

Value Parameter(const Param& p, Alloc& a) {
  Value v(rapidjson::kObjectType);
  Add(v, "name", Str(p.name, a), a);
  Add(v, "in", Str(p.in, a), a);
  Add(v, "required", Value(p.required || p.in == "path"), a);
  if (!p.description.empty()) Add(v, "description", Str(p.description, a), a);
  Value schema(rapidjson::kObjectType);
  if (p.repeated) {
    Add(schema, "type", Str("array", a), a);
    Value items(rapidjson::kObjectType);
    Add(items, "type", Str(p.type, a), a);
    Add(schema, "items", std::move(items), a);
    Add(v, "explode", Value(true), a);
  } else {
    Add(schema, "type", Str(p.type, a), a);
  }
  Add(v, "schema", std::move(schema), a);
  return v;
}

// Error responses every operation may return, by status; public operations skip 401/403.
Value Responses(const Operation& op, bool is_public, Alloc& a) {
  Value r(rapidjson::kObjectType);
  Value ok(rapidjson::kObjectType);
  Add(ok, "description", Str("OK", a), a);
  Add(ok, "headers", ParseOwned(R"({"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
      "traceparent": {"$ref": "#/components/headers/traceparent"}})", a), a);
  Add(ok, "content", Content(op.response_type, op.response_schema, a), a);
  if (op.operation_id == "snapshot") {
    Value png(rapidjson::kObjectType);
    Add(png, "schema", ParseOwned(R"({"type": "string", "format": "binary"})", a), a);
    ok["content"].AddMember("image/png", png, a);
  }
  Add(r, "200", std::move(ok), a);
  const bool system = op.path.rfind("/v1/", 0) != 0;
  if (system) {
    if (op.operation_id == "getReadiness") Add(r, "503", Ref("responses", "Unavailable", a), a);
    return r;
  }
  Add(r, "400", Ref("responses", "BadRequest", a), a);
  if (!is_public) {
    Add(r, "401", Ref("responses", "Unauthenticated", a), a);
    Add(r, "403", Ref("responses", "Forbidden", a), a);
  }
  Add(r, "404", Ref("responses", "NotFound", a), a);
  if (op.method != "GET") Add(r, "409", Ref("responses", "Conflict", a), a);
  if (!op.request_schema.empty()) Add(r, "413", Ref("responses", "PayloadTooLarge", a), a);
  Add(r, "429", Ref("responses", "TooManyRequests", a), a);
  Add(r, "503", Ref("responses", "Unavailable", a), a);
  Add(r, "504", Ref("responses", "GatewayTimeout", a), a);
  return r;
}

Value OperationObject(const Operation& op, Alloc& a) {
  const auth::PolicyEntry* policy = auth::FindPolicy(op.method, op.path);
  const bool is_public = policy == nullptr || policy->permission == auth::Permission::kPublic;
  Value o(rapidjson::kObjectType);
  Add(o, "operationId", Str(op.operation_id, a), a);
  Value tags(rapidjson::kArrayType);
  tags.PushBack(Str(op.tag, a), a);
  Add(o, "tags", std::move(tags), a);
  Add(o, "summary", Str(op.summary, a), a);
  std::string description = op.errors.empty() ? "" : "Errors: " + op.errors;
  if (policy != nullptr) {
    description += (description.empty() ? "" : "\n\n") + std::string("Permission: ") +
                   PermissionName(policy->permission) + "; route class: " + policy->route_class + ".";
    Add(o, "x-fleet-route-class", Str(policy->route_class, a), a);
    Add(o, "x-fleet-permission", Str(PermissionName(policy->permission), a), a);
  }
  Add(o, "description", Str(description, a), a);
  Value params(rapidjson::kArrayType);
  for (const Param& p : op.params) params.PushBack(Parameter(p, a), a);
  if (op.path.rfind("/v1/", 0) == 0) {
    params.PushBack(Ref("parameters", "traceparent", a), a);
    params.PushBack(Ref("parameters", "X-Request-Id", a), a);
  }
  if (op.method == "POST") params.PushBack(Ref("parameters", "Idempotency-Key", a), a);
  Add(o, "parameters", std::move(params), a);
  if (!op.request_schema.empty()) {
    Value body(rapidjson::kObjectType);
    Add(body, "required", Value(op.request_required), a);
    Add(body, "content", Content(op.request_type, op.request_schema, a), a);
    Add(o, "requestBody", std::move(body), a);
  }
  Add(o, "responses", Responses(op, is_public, a), a);
  Value security(rapidjson::kArrayType);
  if (!is_public) {
    for (const char* scheme : {"sessionCookie", "bearerKey", "apiKeyHeader"}) {
      Value req(rapidjson::kObjectType);
      Add(req, scheme, Value(rapidjson::kArrayType), a);
      security.PushBack(req, a);
    }
  }
  Add(o, "security", std::move(security), a);
  return o;
}

std::string ErrorResponse(const char* description, bool retry) {
  std::string headers = R"("X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
      "traceparent": {"$ref": "#/components/headers/traceparent"})";
  if (retry) {
    headers += R"(, "Retry-After": {"$ref": "#/components/headers/Retry-After"},
      "RateLimit-Limit": {"$ref": "#/components/headers/RateLimit-Limit"},
      "RateLimit-Remaining": {"$ref": "#/components/headers/RateLimit-Remaining"},
      "RateLimit-Reset": {"$ref": "#/components/headers/RateLimit-Reset"},
      "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"})";
  }
  return std::string(R"({"description": ")") + description + R"(", "headers": {)" + headers +
         R"(}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})";
}

std::string Components() {
  return std::string(R"json({"schemas": )json") + SchemasJson() + R"json(,
"securitySchemes": {
  "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "fleet_session", "description": "set by POST /v1/sessions"},
  "bearerKey": {"type": "http", "scheme": "bearer", "bearerFormat": "fk_<id>_<secret>", "description": "an API key: Authorization: Bearer fk_..."},
  "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "an API key fk_..."}},
"parameters": {
  "traceparent": {"name": "traceparent", "in": "header", "required": false, "description": "W3C trace context; the response continues this trace", "schema": {"type": "string", "pattern": "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"}},
  "X-Request-Id": {"name": "X-Request-Id", "in": "header", "required": false, "description": "your request id (1-64 of [A-Za-z0-9._-]); else the server makes one", "schema": {"type": "string"}},
  "Idempotency-Key": {"name": "Idempotency-Key", "in": "header", "required": false, "description": "a repeat of a POST with the same key (same caller) replays the first response for 24 h; a different body with the same key is 400 IDEMPOTENCY_KEY_REUSED; a concurrent repeat is 409 IDEMPOTENCY_IN_PROGRESS", "schema": {"type": "string"}}},
"headers": {
  "X-Request-Id": {"description": "the request id (also error.details[0].metadata.request_id)", "schema": {"type": "string"}},
  "traceparent": {"description": "W3C trace context of the server span (same trace id as the request's traceparent)", "schema": {"type": "string"}},
  "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}},
  "RateLimit-Limit": {"description": "requests allowed in the tightest window", "schema": {"type": "integer"}},
  "RateLimit-Remaining": {"description": "requests left in that window", "schema": {"type": "integer"}},
  "RateLimit-Reset": {"description": "seconds until that window frees a request", "schema": {"type": "integer"}},
  "RateLimit-Policy": {"description": "every window, e.g. 100;w=1, 2000;w=60", "schema": {"type": "string"}}},
"responses": {
  "BadRequest": )json" + ErrorResponse("invalid request (INVALID_FIELD with metadata.field, INVALID_FILTER, INVALID_PAGE_TOKEN, ...)", false) + R"json(,
  "Unauthenticated": )json" + ErrorResponse("no or invalid credential (AUTH_REQUIRED, AUTH_INVALID)", false) + R"json(,
  "Forbidden": )json" + ErrorResponse("the role or the key's scope does not allow this (AUTH_FORBIDDEN)", false) + R"json(,
  "NotFound": )json" + ErrorResponse("the resource does not exist (*_NOT_FOUND)", false) + R"json(,
  "Conflict": )json" + ErrorResponse("etag/version mismatch, already exists, or a concurrent request (ABORTED/ALREADY_EXISTS)", false) + R"json(,
  "PayloadTooLarge": {"description": "request body over the server's limit (1 MiB)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
  "TooManyRequests": )json" + ErrorResponse("rate limited (RATE_LIMITED); wait Retry-After seconds", true) + R"json(,
  "Unavailable": )json" + ErrorResponse("a backend or the device is unavailable (BACKEND_UNAVAILABLE, DEVICE_OFFLINE, CIRCUIT_OPEN); retry later", false) + R"json(,
  "GatewayTimeout": )json" + ErrorResponse("deadline exceeded (DEADLINE_EXCEEDED, DEVICE_TIMEOUT)", false) + R"json(}})json";
}

std::string Build() {
  rapidjson::Document doc(rapidjson::kObjectType);
  Alloc& a = doc.GetAllocator();
  Add(doc, "openapi", Str("3.0.3", a), a);
  Add(doc, "info", ParseOwned(R"({"title": "fleetd API", "version": "v1",
      "description": "HTTP/JSON API of the fleetd BFF: devices, presence, configuration, tunnels, live camera commands and access administration. Errors follow AIP-193. See docs/api.md."})", a), a);
  Add(doc, "servers", ParseOwned(R"([{"url": "/"}])", a), a);
  Value tags(rapidjson::kArrayType);
  Value paths(rapidjson::kObjectType);
  for (const Operation& op : Operations()) {
    if (!paths.HasMember(op.path.c_str())) Add(paths, op.path, Value(rapidjson::kObjectType), a);
    std::string method = op.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Add(paths[op.path.c_str()], method, OperationObject(op, a), a);
    bool seen = false;
    for (const Value& t : tags.GetArray()) seen = seen || op.tag == t["name"].GetString();
    if (!seen) {
      Value t(rapidjson::kObjectType);
      Add(t, "name", Str(op.tag, a), a);
      tags.PushBack(t, a);
    }
  }
  Add(doc, "tags", std::move(tags), a);
  Add(doc, "paths", std::move(paths), a);
  Add(doc, "components", ParseOwned(Components(), a), a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

const std::string& Document() {
  static const std::string* doc = new std::string(Build());
  return *doc;
}

}  // namespace fleet::bff::openapi
