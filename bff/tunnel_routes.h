#pragma once

#include "absl/time/time.h"
#include "bff/http_util.h"
#include "bff/router.h"
#include "bff/registry_backend.h"
#include "bff/tunnel_backend.h"

namespace fleet::bff {

// The operator of opening, extending and closing comes from kOperatorHeader (http_util.h).
// The tunnel routes: open a session for a device, get, extend, close and list sessions.
// Responses are the Session resource, which says how to connect (public address, remote port
// per service, ssh command). Thread-safe; the backend must outlive it.
class TunnelRoutes {
 public:
  // `registry` (may be null: no check) must know a device before a tunnel is opened to it
  // (404 DEVICE_NOT_FOUND otherwise).
  TunnelRoutes(TunnelBackend& tunnels, absl::Duration timeout, RegistryBackend* registry = nullptr)
      : tunnels_(tunnels), timeout_(timeout), registry_(registry) {}

  // Adds every route to `router` (handlers capture `this`).
  void Register(Router& router);

 private:
  http::Response Open(const http::Request& r, const std::string& device_id);
  http::Response Get(const http::Request& r, const std::string& id);
  http::Response Extend(const http::Request& r, const std::string& id);
  http::Response Close(const http::Request& r, const std::string& id);
  http::Response List(const http::Request& r);

  TunnelBackend& tunnels_;
  const absl::Duration timeout_;
  RegistryBackend* const registry_;
};

}  // namespace fleet::bff
