#pragma once

#include <memory>

#include "bff/config_backend.h"
#include "bff/config_routes.h"
#include "bff/device_routes.h"
#include "bff/presence_backend.h"
#include "bff/registry_backend.h"
#include "bff/router.h"
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
};

// The HTTP/JSON API (AIP conventions): routing, request ids, W3C trace context, AIP-193 errors,
// per-route metrics, readiness of every backend, and the handlers (device and tunnel routes live
// in DeviceRoutes / ConfigRoutes / TunnelRoutes). Thread-safe; Handle() runs on the server's threads.
class Api {
 public:
  Api(Backends backends, std::shared_ptr<prometheus::Registry> registry, ApiOptions options = {});

  http::Response Handle(const http::Request& request);
  const Router& router() const { return router_; }

 private:
  http::Response GetPresence(const http::Request& r, const PathVars& vars);
  http::Response ListPresence(const http::Request& r, const PathVars& vars);
  http::Response Metrics();
  http::Response Ready();
  CallContext Context(const http::Request& r) const;

  Backends backends_;
  std::shared_ptr<prometheus::Registry> registry_;
  const ApiOptions options_;
  Router router_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  DeviceRoutes devices_;
  ConfigRoutes configs_;
  TunnelRoutes tunnels_;
};

}  // namespace fleet::bff
