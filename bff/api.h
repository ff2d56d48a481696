#pragma once

#include <memory>

#include "bff/presence_backend.h"
#include "bff/router.h"
#include "libs/http/server.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace fleet::bff {

struct ApiOptions {
  absl::Duration backend_timeout = absl::Seconds(5);
};

// The HTTP/JSON API (AIP conventions): routing, request ids, W3C trace context, AIP-193 errors,
// per-route metrics, and the handlers. Thread-safe; Handle() runs on the server's threads.
class Api {
 public:
  Api(PresenceBackend& presence, std::shared_ptr<prometheus::Registry> registry, ApiOptions options = {});

  http::Response Handle(const http::Request& request);
  const Router& router() const { return router_; }

 private:
  http::Response GetPresence(const http::Request& r, const PathVars& vars);
  http::Response ListPresence(const http::Request& r, const PathVars& vars);
  http::Response Metrics();
  http::Response Ready();
  CallContext Context(const http::Request& r) const;

  PresenceBackend& presence_;
  std::shared_ptr<prometheus::Registry> registry_;
  const ApiOptions options_;
  Router router_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace fleet::bff
