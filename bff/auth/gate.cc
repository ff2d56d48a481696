#include "bff/auth/gate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bff/http_util.h"
#include "bff/ratelimit/windows.h"
#include "libs/log/log.h"
#include "libs/status/status.h"
#include "libs/trace/trace.h"

namespace fleet::bff::auth {
namespace {

thread_local const Principal* current_principal = nullptr;

int64_t CeilSeconds(absl::Duration d) {
  return absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
}

std::string TraceId(const http::Request& r) {
  auto tp = trace::ParseTraceparent(r.Header("traceparent"));
  return tp.ok() ? tp->TraceIdHex() : "";
}

Principal LocalAdmin() {
  Principal p;
  p.kind = Principal::Kind::kLocal;
  p.id = "local-admin";
  p.display_name = "local admin (auth disabled)";
  p.role = Role::kAdmin;
  return p;
}

bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

// The path as received (percent-encoded, so plain ASCII and valid UTF-8 for the database),
// without the query, at most 2 KiB. Falls back to the decoded path when the target is empty.
std::string LoggedPath(const http::Request& r) {
  std::string p = r.target.empty() ? r.path : r.target.substr(0, r.target.find('?'));
  if (p.size() > 2048) p.resize(2048);
  for (char& c : p) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return p;
}

}  // namespace

const Principal* CurrentPrincipal() { return current_principal; }

ScopedPrincipal::ScopedPrincipal(const Principal* p) : previous_(current_principal) { current_principal = p; }
ScopedPrincipal::~ScopedPrincipal() { current_principal = previous_; }

Gate::Gate(AuthService* auth, ratelimit::Limiter* limiter, CallLog* calls, Store* audit, DeviceLabelLookup labels,
           GateOptions options, prometheus::Registry& registry)
    : auth_(auth),
      limiter_(limiter),
      calls_(calls),
      audit_(audit),
      labels_(std::move(labels)),
      options_(std::move(options)),
      denied_(prometheus::BuildCounter()
                  .Name("bff_access_denied_total")
                  .Help("Requests refused by access control, by reason")
                  .Register(registry)),
      audit_failures_(prometheus::BuildCounter()
                          .Name("bff_audit_write_failures_total")
                          .Help("Audit log entries that could not be written")
                          .Register(registry)
                          .Add({})),
      decision_seconds_(prometheus::BuildHistogram()
                            .Name("bff_ratelimit_decision_seconds")
                            .Help("Time a request waited for its rate limit decision (Redis or fallback)")
                            .Register(registry)
                            .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00015, 0.00025,
                                                                             0.0005, 0.001, 0.0025, 0.01, 0.1})) {}

std::optional<http::Response> Gate::Limit(const Admission& a, const http::Request& r, std::string key,
                                          const std::vector<ratelimit::Window>& windows,
                                          std::vector<std::pair<std::string, std::string>>& headers) {
  if (limiter_ == nullptr || windows.empty()) return std::nullopt;
  const absl::Time start = absl::Now();
  const ratelimit::Decision d = limiter_->Decide(key, windows);
  decision_seconds_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  headers.push_back({"RateLimit-Limit", absl::StrCat(d.limit)});
  headers.push_back({"RateLimit-Remaining", absl::StrCat(d.remaining)});
  headers.push_back({"RateLimit-Reset", absl::StrCat(CeilSeconds(d.reset))});
  headers.push_back({"RateLimit-Policy", absl::StrJoin(windows, ", ", [](std::string* out, const ratelimit::Window& w) {
                       absl::StrAppend(out, w.limit, ";w=", CeilSeconds(w.period));
                     })});
  if (d.allowed) return std::nullopt;
  const int64_t retry = std::max<int64_t>(1, CeilSeconds(d.retry_after));
  denied_.Add({{"reason", "RATE_LIMITED"}}).Increment();
  http::Response resp = Error(
      status::MakeError(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                        absl::StrCat("rate limit exceeded for ", a.entry->route_class, "; retry in ", retry, " s"),
                        {{"route_class", a.entry->route_class}, {"retry_after_seconds", absl::StrCat(retry)}}),
      r);  // Error() sets Retry-After from retry_after_seconds
  return resp;
}

Admission Gate::Admit(const http::Request& r, const std::string& pattern,
                      const std::map<std::string, std::string>& vars) {
  Admission a;
  a.entry = FindPolicy(r.method, pattern);
  if (a.entry == nullptr) {
    denied_.Add({{"reason", "AUTH_NO_POLICY"}}).Increment();
    log::Error("route without access policy refused", {{"method", r.method}, {"route", pattern}});
    a.reject = Error(status::MakeError(absl::StatusCode::kInternal, "AUTH_NO_POLICY", "no access policy"), r);
    return a;
  }
  if (a.entry->permission == Permission::kPublic) {
    if (a.entry->pattern == "/v1/sessions" && !options_.disabled) {
      a.reject = Limit(a, r, absl::StrCat("ip:", r.remote_address, "|signin"), options_.signin_limits, a.headers);
    }
    return a;
  }
  if (options_.disabled) {
    a.principal = LocalAdmin();
    log::WarnEvery("auth.disabled", absl::Minutes(1), "AUTHENTICATION IS DISABLED (--auth=disabled): every request "
                   "is treated as the admin local-admin");
  } else {
    absl::StatusOr<Principal> p = auth_->Authenticate(
        Credentials::FromHeaders(r.Header("cookie"), r.Header("authorization"), r.Header("x-api-key")));
    if (!p.ok()) {
      denied_.Add({{"reason", status::ReasonOrDefault(p.status())}}).Increment();
      a.reject = Error(p.status(), r);
      if (p.status().code() == absl::StatusCode::kUnauthenticated) {
        a.reject->headers.push_back({"WWW-Authenticate", "Bearer realm=\"fleetd\""});
      }
      return a;
    }
    a.principal = std::move(*p);
  }
  if (absl::Status st = Authorize(*a.entry, *a.principal, vars, labels_ ? &labels_ : nullptr); !st.ok()) {
    denied_.Add({{"reason", status::ReasonOrDefault(st)}}).Increment();
    a.reject = Error(st, r);
    return a;
  }
  const Principal& p = *a.principal;
  std::vector<ratelimit::Window> windows = options_.user_limits;
  std::string key = absl::StrCat("u:", p.id, "|", a.entry->route_class);
  if (p.kind == Principal::Kind::kApiKey) {
    key = absl::StrCat("k:", p.id, "|", a.entry->route_class);
    windows = options_.key_limits;
    if (!p.rate_limits.empty()) {
      if (auto own = ratelimit::ParseWindows(p.rate_limits); own.ok()) windows = *own;
    }
  }
  a.reject = Limit(a, r, std::move(key), windows, a.headers);
  return a;
}

void Gate::Record(const Admission& a, const http::Request& r, const std::string& pattern, int status,
                  absl::Duration latency) {
  const Principal* p = a.principal ? &*a.principal : nullptr;
  if (calls_ != nullptr && p != nullptr && p->kind == Principal::Kind::kApiKey) {
    KeyCall c;
    c.key_id = p->id;
    c.time = absl::Now();
    c.method = r.method;
    c.route = pattern;
    c.path = LoggedPath(r);
    c.status = status;
    c.latency_micros = absl::ToInt64Microseconds(latency);
    c.trace_id = TraceId(r);
    c.request_id = r.Header("x-request-id");
    calls_->Append(std::move(c));
  }
  if (audit_ == nullptr || IsRead(r.method) || status == 429) return;
  if (pattern == "/v1/sessions" && r.method == "POST") return;  // AuthRoutes audits sign-ins
  AuditEntry e;
  e.time = absl::Now();
  e.actor = p ? p->Actor() : "anonymous";
  e.actor_kind = p ? p->KindName() : "anonymous";
  e.role = p ? RoleName(p->role) : "";
  e.method = r.method;
  e.path = LoggedPath(r);
  e.status = status;
  e.trace_id = TraceId(r);
  e.request_id = r.Header("x-request-id");
  if (absl::Status st = audit_->AppendAudit(e); !st.ok()) {
    audit_failures_.Increment();
    log::Error("audit log write failed", {{"error", st.message()}, {"actor", e.actor}, {"method", e.method},
                                          {"path", e.path}, {"status", status}});
  }
}

}  // namespace fleet::bff::auth
