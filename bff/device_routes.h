#pragma once

#include "absl/time/time.h"
#include "bff/config_backend.h"
#include "bff/fanout_pool.h"
#include "bff/json_render_cache.h"
#include "bff/presence_backend.h"
#include "bff/registry_backend.h"
#include "bff/router.h"

namespace fleet::bff {

// The /v1/devices routes (device-config registry, AIP-style) and the device page
// `GET /v1/devices/{device}:overview` (registry + presence + config summary, fetched in parallel
// unless overview_in_sequence).
// Thread-safe; the backends must outlive it.
class DeviceRoutes {
 public:
  // overview_in_sequence: the registry and config reads are cached (cheap), so :overview makes
  // its three calls one after another on the request's thread instead of handing two of them to
  // the fan-out pool (two thread hand-offs per request cost more than cache lookups).
  DeviceRoutes(RegistryBackend& registry, PresenceBackend& presence, ConfigBackend& config, absl::Duration timeout,
               bool overview_in_sequence = false)
      : registry_(registry),
        presence_(presence),
        config_(config),
        timeout_(timeout),
        overview_in_sequence_(overview_in_sequence) {}

  // Adds every route to `router` (handlers capture `this`).
  void Register(Router& router);

 private:
  http::Response Create(const http::Request& r);
  http::Response Get(const http::Request& r, const std::string& id);
  http::Response Update(const http::Request& r, const std::string& id);
  http::Response Delete(const http::Request& r, const std::string& id);
  http::Response List(const http::Request& r);
  http::Response BatchGet(const http::Request& r, bool from_body);
  http::Response Import(const http::Request& r);
  http::Response Overview(const http::Request& r, const std::string& id);

  RegistryBackend& registry_;
  PresenceBackend& presence_;
  ConfigBackend& config_;
  const absl::Duration timeout_;
  const bool overview_in_sequence_;
  JsonRenderCache rendered_;  // GET /v1/devices/{id}: the JSON of each device's last version
  JsonRenderCache rendered_presence_;  // :overview: the JSON of each device's last presence
  FanoutPool fanout_{32};     // :overview's parallel calls (2 per request)
};

}  // namespace fleet::bff
