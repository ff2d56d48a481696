#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "bff/auth/call_log.h"
#include "bff/auth/model.h"
#include "bff/auth/policy.h"
#include "bff/auth/service.h"
#include "bff/ratelimit/limiter.h"
#include "libs/http/server.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace fleet::bff::auth {

// The principal of the request this thread is handling (set by the Api around the handler);
// nullptr on public routes and outside requests.
const Principal* CurrentPrincipal();

// Installs `p` as CurrentPrincipal() for this thread until destroyed. Not copyable.
class ScopedPrincipal {
 public:
  explicit ScopedPrincipal(const Principal* p);
  ~ScopedPrincipal();
  ScopedPrincipal(const ScopedPrincipal&) = delete;
  ScopedPrincipal& operator=(const ScopedPrincipal&) = delete;

 private:
  const Principal* previous_;
};

struct GateOptions {
  // --auth=disabled (development only): every request is the admin "local-admin".
  bool disabled = false;
  // Defaults per principal x route class; an API key's own limits replace key_limits.
  std::vector<ratelimit::Window> user_limits;
  std::vector<ratelimit::Window> key_limits;
  // Per client address on POST /v1/sessions (password guessing).
  std::vector<ratelimit::Window> signin_limits;
};

// What the gate decided before the handler runs.
struct Admission {
  const PolicyEntry* entry = nullptr;
  std::optional<Principal> principal;             // set when authenticated
  std::optional<http::Response> reject;           // 401/403/429/500: answer this instead
  std::vector<std::pair<std::string, std::string>> headers;  // RateLimit-* for the response
};

// Access control in front of every route: authentication (session cookie or API key),
// authorization from the policy table, rate limiting per principal x route class, and after the
// handler the audit log (every non-GET request except 429s; sign-ins are audited by AuthRoutes)
// and the per-key call log. Thread-safe.
class Gate {
 public:
  // `auth` may be null only when options.disabled; `limiter`, `calls` and `labels` may be null.
  Gate(AuthService* auth, ratelimit::Limiter* limiter, CallLog* calls, Store* audit, DeviceLabelLookup labels,
       GateOptions options, prometheus::Registry& registry);

  Admission Admit(const http::Request& r, const std::string& pattern, const std::map<std::string, std::string>& vars);
  void Record(const Admission& a, const http::Request& r, const std::string& pattern, int status,
              absl::Duration latency);

  bool disabled() const { return options_.disabled; }

 private:
  std::optional<http::Response> Limit(const Admission& a, const http::Request& r, std::string key,
                                      const std::vector<ratelimit::Window>& windows,
                                      std::vector<std::pair<std::string, std::string>>& headers);

  AuthService* auth_;
  ratelimit::Limiter* limiter_;
  CallLog* calls_;
  Store* audit_;
  const DeviceLabelLookup labels_;
  const GateOptions options_;
  prometheus::Family<prometheus::Counter>& denied_;
  prometheus::Counter& audit_failures_;
  prometheus::Histogram& decision_seconds_;  // time a request waits for its rate limit decision
};

}  // namespace fleet::bff::auth
