#include "bff/api.h"

#include <future>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bff/grpc_call.h"
#include "bff/http_util.h"
#include "bff/openapi/openapi.h"
#include "google/protobuf/util/time_util.h"
#include "libs/log/log.h"
#include "libs/status/http.h"
#include "libs/status/status.h"
#include "libs/trace/span.h"
#include "libs/trace/trace.h"
#include "prometheus/text_serializer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::bff {
namespace {

// Request ids are echoed back, so only accept tame ones from clients.
bool AcceptableRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A query parameter by its AIP name (page_size) or its lowerCamelCase JSON name (pageSize):
// {name used, value}; the AIP name wins when both are present.
std::pair<std::string, std::string> AliasedParam(const http::Request& r, const std::string& snake,
                                                 const std::string& camel) {
  if (std::string v = r.QueryParam(snake); !v.empty()) return {snake, v};
  return {camel, r.QueryParam(camel)};
}

// As the proto3 JSON mapping writes timestamps: UTC, "Z", 0/3/6/9 fractional digits.
std::string Rfc3339(const google::protobuf::Timestamp& t) { return google::protobuf::util::TimeUtil::ToString(t); }

// {"transitions":[{"state","time","reason","lastSeenTime","transitionId"}],"nextPageToken"}:
// the console's shape of a history page ("reason" is the transition's cause).
std::string HistoryJson(const presence::v1::ListPresenceHistoryResponse& resp) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("transitions");
  w.StartArray();
  for (const presence::v1::PresenceTransition& t : resp.transitions()) {
    w.StartObject();
    w.Key("state");
    w.String(presence::v1::State_Name(t.state()).c_str());
    w.Key("time");
    w.String(Rfc3339(t.time()).c_str());
    w.Key("reason");
    w.String(t.cause().c_str());
    w.Key("lastSeenTime");
    w.String(Rfc3339(t.last_seen_time()).c_str());
    w.Key("transitionId");
    w.String(t.transition_id().c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("nextPageToken");
  w.String(resp.next_page_token().c_str());
  w.EndObject();
  return buf.GetString();
}

}  // namespace

Api::Api(Backends backends, std::shared_ptr<prometheus::Registry> registry, ApiOptions options, Access access,
         Extras commands)
    : backends_(backends),
      registry_(std::move(registry)),
      options_(options),
      requests_(prometheus::BuildCounter()
                    .Name("bff_http_requests_total")
                    .Help("HTTP requests by route template, method and status code")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("bff_http_request_seconds")
                   .Help("HTTP request latency by route template")
                   .Register(*registry_)),
      devices_(backends.registry, backends.presence, backends.config, options.backend_timeout,
               options.overview_in_sequence),
      configs_(backends.config, options.backend_timeout),
      tunnels_(backends.tunnel, options.backend_timeout, &backends.registry),
      access_routes_(access.auth, access.routes),
      gate_(access.auth, access.limiter, access.calls, access.audit,
            [this](const std::string& device) -> absl::StatusOr<std::map<std::string, std::string>> {
              config::v1::GetDeviceRequest req;
              req.set_name("devices/" + device);
              CallContext c;
              c.deadline = absl::Now() + options_.backend_timeout;
              auto d = backends_.registry.Get(req, c);
              if (!d.ok()) return d.status();
              return std::map<std::string, std::string>(d->labels().begin(), d->labels().end());
            },
            access.gate, *registry_) {
  static RealClock clock;
  if (commands.backend == nullptr) {
    own_backend_ = commands::NewUnconfiguredCommandBackend();
    commands.backend = own_backend_.get();
  }
  if (commands.streams == nullptr) {
    own_streams_ = std::make_unique<commands::MemoryStreamStore>(clock);
    commands.streams = own_streams_.get();
  }
  if (commands.breaker == nullptr) {
    own_breaker_ = std::make_unique<commands::CircuitBreaker>();
    commands.breaker = own_breaker_.get();
  }
  if (commands.idempotency == nullptr) {
    own_idempotency_ = std::make_unique<idempotency::MemoryStore>(clock);
    commands.idempotency = own_idempotency_.get();
  }
  if (commands.task == nullptr) {
    own_task_ = NewUnconfiguredTaskBackend();
    commands.task = own_task_.get();
  }
  tasks_ = std::make_unique<TaskRoutes>(*commands.task, options_.backend_timeout);
  camera_ = std::make_unique<commands::CameraRoutes>(*commands.backend, *commands.streams, commands.device_limiter,
                                                     *commands.breaker, clock, commands.camera);
  idempotency_ = std::make_unique<idempotency::Guard>(*commands.idempotency);
  devices_.Register(router_);
  access_routes_.Register(router_);
  camera_->Register(router_);
  tasks_->Register(router_);
  configs_.Register(router_);
  tunnels_.Register(router_);
  ssh_targets_ = ssh::NewTunnelTargetResolver(backends.tunnel);
  ssh_ = std::make_unique<ssh::SshRoutes>(*ssh_targets_, access.audit, commands.ssh);
  ssh_->Register(router_);
  router_.Add("GET", "/v1/devices/{device}/presence",
              [this](const http::Request& r, const PathVars& v) { return GetPresence(r, v); });
  router_.Add("GET", "/v1/presence",
              [this](const http::Request& r, const PathVars& v) { return ListPresence(r, v); });
  router_.Add("GET", "/v1/devices/{device}/presence/history",
              [this](const http::Request& r, const PathVars& v) { return ListPresenceHistory(r, v); });
  router_.Add("GET", "/healthz", [](const http::Request&, const PathVars&) {
    return Json(200, R"({"status":"ok"})");
  });
  router_.Add("GET", "/readyz", [this](const http::Request&, const PathVars&) { return Ready(); });
  router_.Add("GET", "/metrics", [this](const http::Request&, const PathVars&) { return Metrics(); });
  router_.Add("GET", "/openapi.json",
              [](const http::Request&, const PathVars&) { return Json(200, openapi::Document()); });
  web_ = options_.web != nullptr ? options_.web : *StaticFiles::Load("");
  router_.Add("GET", "/", [this](const http::Request&, const PathVars&) { return web_->Index(); });
  router_.Add("GET", "/assets/{file}", [this](const http::Request& r, const PathVars& v) {
    if (std::optional<http::Response> asset = web_->Asset(v.at("file"))) return *asset;
    return Error(status::MakeError(absl::StatusCode::kNotFound, "ROUTE_NOT_FOUND",
                                   absl::StrCat("the console has no asset ", v.at("file"))),
                 r);
  });
}

absl::Status Api::CheckPolicy() const {
  std::vector<std::string> missing;
  for (const auto& [method, pattern] : router_.Routes()) {
    if (auth::FindPolicy(method, pattern) == nullptr) missing.push_back(absl::StrCat(method, " ", pattern));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("routes without an access policy entry (bff/auth/policy.cc): ", absl::StrJoin(missing, "; ")));
}

CallContext Api::Context(const http::Request& r) const { return ContextFor(r, options_.backend_timeout); }

http::Response Api::Handle(const http::Request& r) {
  const absl::Time start = absl::Now();
  // Request id: the client's if sane, else ours. Trace: continue the caller's or start one.
  std::string request_id = r.Header("x-request-id");
  if (!AcceptableRequestId(request_id)) request_id = http::NewRequestId();
  trace::TraceContext parent;
  if (auto tp = trace::ParseTraceparent(r.Header("traceparent")); tp.ok()) parent = *tp;
  trace::Span span(absl::StrCat(r.method, " ", r.path), trace::SpanKind::kServer, parent);
  trace::ScopedContext scope(span.context());
  const std::string trace_id = span.context().TraceIdHex();

  http::Request req = r;
  req.headers["x-request-id"] = request_id;
  req.headers["traceparent"] = trace::FormatTraceparent(span.context());
  // The operator id handlers use comes from the authenticated principal only.
  req.headers.erase(kOperatorHeader);

  Router::Match m = router_.Find(r.method, r.path);
  http::Response resp;
  std::string route = m.pattern.empty() ? "unmatched" : m.pattern;
  if (m.handler != nullptr) {
    const auth::Admission admission = gate_.Admit(req, m.pattern, m.vars);
    if (admission.reject) {
      resp = *admission.reject;
    } else {
      if (admission.principal) req.headers[kOperatorHeader] = admission.principal->Actor();
      auth::ScopedPrincipal who(admission.principal ? &*admission.principal : nullptr);
      // Idempotency-Key: a repeated POST of the same caller is replayed, not run again.
      const std::string caller = admission.principal ? admission.principal->Actor() : "anonymous";
      resp = idempotency_->Handle(req, caller, [&] { return (*m.handler)(req, m.vars); });
    }
    resp.headers.insert(resp.headers.end(), admission.headers.begin(), admission.headers.end());
    gate_.Record(admission, req, m.pattern, resp.status, absl::Now() - start);
    if (admission.principal) span.SetAttribute("enduser.id", admission.principal->Actor());
  } else if (m.method_mismatch) {
    resp = Json(405, status::ToHttpJson(
                         status::MakeError(absl::StatusCode::kInvalidArgument, "METHOD_NOT_ALLOWED",
                                           absl::StrCat("method ", r.method, " is not allowed on ", r.path),
                                           {{"allowed", absl::StrJoin(m.allowed, ",")}}),
                         request_id, trace_id));
    resp.headers.emplace_back("Allow", absl::StrJoin(m.allowed, ", "));
  } else if ((r.method == "GET" || r.method == "HEAD") && StaticFiles::IsSpaPath(r.path)) {
    resp = web_->Index();  // client-side routes of the console (e.g. /devices/dev-1)
    route = "console";
  } else {
    resp = Json(404, status::ToHttpJson(
                         status::MakeError(absl::StatusCode::kNotFound, "ROUTE_NOT_FOUND",
                                           absl::StrCat("no route for ", r.method, " ", r.path)),
                         request_id, trace_id));
  }
  // Errors produced by handlers carry the ids already; attach them to every response's headers.
  resp.headers.push_back({"X-Request-Id", request_id});
  resp.headers.push_back({"traceparent", trace::FormatTraceparent(span.context())});
  span.SetAttribute("http.status_code", static_cast<int64_t>(resp.status));
  span.SetAttribute("http.route", route);
  if (resp.status >= 500) span.SetError(absl::StrCat("HTTP ", resp.status));
  requests_.Add({{"route", route}, {"method", r.method}, {"code", std::to_string(resp.status)}})
      .Increment();
  latency_
      .Add({{"route", route}}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025,
                                                                      0.05, 0.1, 0.25, 0.5, 1, 5})
      .Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (resp.status >= 500) {
    log::Warn("request failed", {{"route", route}, {"status", resp.status},
                                 {"request_id", request_id}});
  }
  return resp;
}

http::Response Api::GetPresence(const http::Request& r, const PathVars& vars) {
  absl::StatusOr<presence::v1::Presence> p =
      backends_.presence.Get("devices/" + vars.at("device") + "/presence", Context(r));
  if (!p.ok()) return Error(p.status(), r);
  return ProtoJson(*p);
}

http::Response Api::ListPresence(const http::Request& r, const PathVars&) {
  presence::v1::ListPresenceRequest req;
  req.set_filter(r.QueryParam("filter"));
  req.set_page_token(r.QueryParam("page_token"));
  if (const std::string size = r.QueryParam("page_size"); !size.empty()) {
    int n = 0;
    if (!absl::SimpleAtoi(size, &n)) {
      return Error(status::InvalidField("page_size", "page_size must be an integer"), r);
    }
    req.set_page_size(n);
  }
  absl::StatusOr<presence::v1::ListPresenceResponse> resp = backends_.presence.List(req, Context(r));
  if (!resp.ok()) return Error(resp.status(), r);
  return ProtoJson(*resp);
}

http::Response Api::ListPresenceHistory(const http::Request& r, const PathVars& vars) {
  presence::v1::ListPresenceHistoryRequest req;
  req.set_device("devices/" + vars.at("device"));
  req.set_page_token(AliasedParam(r, "page_token", "pageToken").second);
  if (const auto [name, size] = AliasedParam(r, "page_size", "pageSize"); !size.empty()) {
    int n = 0;
    if (!absl::SimpleAtoi(size, &n)) return Error(status::InvalidField(name, name + " must be an integer"), r);
    req.set_page_size(n);
  }
  if (const auto [name, start] = AliasedParam(r, "start_time", "startTime"); !start.empty()) {
    absl::Time t;
    std::string why;
    if (!absl::ParseTime(absl::RFC3339_full, start, &t, &why)) {
      return Error(status::InvalidField(name, absl::StrCat(name, " must be an RFC 3339 time such as "
                                                                 "2026-01-02T15:04:05Z (",
                                                           why, ")")),
                   r);
    }
    *req.mutable_start_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
  }
  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> resp = backends_.presence.ListHistory(req, Context(r));
  if (!resp.ok()) return Error(resp.status(), r);
  return Json(200, HistoryJson(*resp));
}

http::Response Api::Metrics() {
  prometheus::TextSerializer serializer;
  return http::Response{200, "text/plain; version=0.0.4", {}, serializer.Serialize(registry_->Collect())};
}

http::Response Api::Ready() {
  // Checked in parallel (each check has its own short deadline). Backends the BFF runs without
  // are reported as NOT_CONFIGURED and do not make it unready.
  struct Check {
    const char* name;
    std::future<absl::Status> result;
  };
  std::vector<Check> checks;
  checks.push_back({"device_online", std::async(std::launch::async, [this] { return backends_.presence.Ready(); })});
  checks.push_back({"device_config", std::async(std::launch::async, [this] { return backends_.registry.Ready(); })});
  checks.push_back({"device_config_versions", std::async(std::launch::async, [this] { return backends_.config.Ready(); })});
  checks.push_back({"tunnel", std::async(std::launch::async, [this] { return backends_.tunnel.Ready(); })});
  bool ready = true;
  std::string backends;
  for (Check& c : checks) {
    const absl::Status st = c.result.get();
    std::string state = st.ok() ? "OK" : absl::StatusCodeToString(st.code());
    if (IsNotConfigured(st)) {
      state = "NOT_CONFIGURED";
    } else if (!st.ok()) {
      ready = false;
    }
    absl::StrAppend(&backends, backends.empty() ? "" : ",", "\"", c.name, "\":\"", state, "\"");
  }
  return Json(ready ? 200 : 503, absl::StrCat(R"({"status":")", ready ? "ready" : "not ready",
                                              R"(","backends":{)", backends, "}}"));
}

}  // namespace fleet::bff
