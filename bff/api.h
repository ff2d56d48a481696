#pragma once

#include <memory>

#include "bff/auth/gate.h"
#include "bff/auth/routes.h"
#include "bff/auth/service.h"
#include "bff/commands/camera_routes.h"
#include "bff/commands/circuit_breaker.h"
#include "bff/commands/command_backend.h"
#include "bff/commands/stream_store.h"
#include "bff/config_backend.h"
#include "bff/idempotency/idempotency.h"
#include "bff/task_backend.h"
#include "bff/task_routes.h"
#include "bff/config_routes.h"
#include "bff/device_routes.h"
#include "bff/presence_backend.h"
#include "bff/registry_backend.h"
#include "bff/router.h"
#include "bff/ssh/ssh_routes.h"
#include "bff/static_files.h"
#include "bff/tunnel_backend.h"
#include "bff/tunnel_routes.h"
#include "libs/http/server.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace fleet::bff {

// The services behind the API. A service the BFF runs without is an Unconfigured* backend.
struct Backends {
  PresenceBackend& presence;   // device-online
  RegistryBackend& registry;   // device-config (DeviceRegistry)
  ConfigBackend& config;       // device-config (DeviceConfigService, same process and address)
  TunnelBackend& tunnel;       // tunnel
};

struct ApiOptions {
  absl::Duration backend_timeout = absl::Seconds(5);
  // The operator console served at "/" and "/assets/{file}" (and to any other GET outside the
  // API, for client-side routing). null = a page saying the UI is not built.
  std::shared_ptr<const StaticFiles> web;
  // :overview makes its registry, config and presence calls in sequence on the request's thread
  // (set when the registry and config reads are cached); false = presence and config in parallel.
  bool overview_in_sequence = false;
};

// Access control of the API (see bff/auth/gate.h). `auth` is required unless gate.disabled;
// `limiter` null = no rate limiting; `calls` null = no per-key call log; `audit` null = no
// audit log (only with auth disabled).
struct Access {
  auth::AuthService* auth = nullptr;
  ratelimit::Limiter* limiter = nullptr;
  auth::CallLog* calls = nullptr;
  auth::Store* audit = nullptr;
  auth::GateOptions gate;
  auth::RoutesOptions routes;
};

// Optional parts: live device commands, Idempotency-Key, the task service. Any null member gets
// an in-process default (streams, breaker, idempotency keys per replica; no per-device rate
// limit; backends answer 503 "... is not configured").
struct Extras {
  TaskBackend* task = nullptr;
  commands::CommandBackend* backend = nullptr;
  commands::StreamStore* streams = nullptr;
  ratelimit::Limiter* device_limiter = nullptr;
  commands::CircuitBreaker* breaker = nullptr;
  idempotency::Store* idempotency = nullptr;
  commands::CameraOptions camera;
  ssh::SshOptions ssh;  // web SSH (GET /v1/devices/{device}/ssh) limits
};

// The HTTP/JSON API (AIP conventions): routing, request ids, W3C trace context, AIP-193 errors,
// per-route metrics, readiness of every backend, and the handlers (device and tunnel routes live
// in DeviceRoutes / ConfigRoutes / TunnelRoutes / auth::AuthRoutes), and access control: every
// matched route passes auth::Gate (authentication, the policy table, rate limits) before its
// handler, and the operator id the handlers see (kOperatorHeader) is the authenticated
// principal's, never the client's. Thread-safe; Handle() runs on the server's threads.
class Api {
 public:
  Api(Backends backends, std::shared_ptr<prometheus::Registry> registry, ApiOptions options, Access access,
      Extras extras = {});

  http::Response Handle(const http::Request& request);
  const Router& router() const { return router_; }
  // FAILED_PRECONDITION naming every registered route without an access policy entry (main
  // refuses to start then; such routes answer 500 AUTH_NO_POLICY).
  absl::Status CheckPolicy() const;

 private:
  http::Response GetPresence(const http::Request& r, const PathVars& vars);
  http::Response ListPresence(const http::Request& r, const PathVars& vars);
  http::Response ListPresenceHistory(const http::Request& r, const PathVars& vars);
  http::Response Metrics();
  http::Response Ready();
  CallContext Context(const http::Request& r) const;

  Backends backends_;
  std::shared_ptr<prometheus::Registry> registry_;
  const ApiOptions options_;
  Router router_;
  std::shared_ptr<const StaticFiles> web_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  DeviceRoutes devices_;
  ConfigRoutes configs_;
  TunnelRoutes tunnels_;
  auth::AuthRoutes access_routes_;
  auth::Gate gate_;
  // Defaults for members of Commands left null, then the routes using them.
  std::unique_ptr<TaskBackend> own_task_;
  std::unique_ptr<TaskRoutes> tasks_;
  std::unique_ptr<commands::CommandBackend> own_backend_;
  std::unique_ptr<commands::StreamStore> own_streams_;
  std::unique_ptr<commands::CircuitBreaker> own_breaker_;
  std::unique_ptr<idempotency::Store> own_idempotency_;
  std::unique_ptr<commands::CameraRoutes> camera_;
  std::unique_ptr<idempotency::Guard> idempotency_;
  // Web SSH through the tunnel service; declared last so its sessions end first.
  std::unique_ptr<ssh::TargetResolver> ssh_targets_;
  std::unique_ptr<ssh::SshRoutes> ssh_;
};

}  // namespace fleet::bff
