#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bff/commands/circuit_breaker.h"
#include "bff/commands/command_backend.h"
#include "bff/commands/stream_store.h"
#include "bff/ratelimit/limiter.h"
#include "bff/router.h"
#include "libs/clock/clock.h"

namespace fleet::bff::commands {

struct CameraOptions {
  absl::Duration command_timeout = absl::Seconds(8);  // the device's time to answer
  // Per device, across callers and (through the limiter) across replicas. Empty = no limit.
  std::vector<ratelimit::Window> device_limits = {{5, absl::Seconds(1)}, {60, absl::Minutes(1)}};
  absl::Duration stream_margin = absl::Seconds(5);  // a stream is forgotten this long before it ends
};

// Camera control on a device, as synchronous commands through device-online:
//   POST /v1/devices/{device}/camera:rotate       {"pan": -180..180, "tilt": -90..90}
//   POST /v1/devices/{device}/camera:zoom         {"level": 1..20}
//   POST /v1/devices/{device}/camera:startStream  {"quality": "sd"|"hd"}   (idempotent)
//   POST /v1/devices/{device}/camera:stopStream   {"streamId": "..."}      (optional)
//   POST /v1/devices/{device}/camera:snapshot     {}  (Accept: image/png gives the image itself)
// Loops never reach the gateway: startStream returns the live stream while there is one (one
// device command however many callers, single-flighted across replicas); every device has a
// command rate limit (429 RATE_LIMITED with Retry-After) and a circuit breaker (503 CIRCUIT_OPEN
// after repeated timeouts or device failures). Offline devices: 503 DEVICE_OFFLINE; no answer:
// 504 DEVICE_TIMEOUT; the device's own failure: 503 DEVICE_COMMAND_FAILED (5xx) or 400
// DEVICE_REJECTED_COMMAND (4xx). Thread-safe; dependencies must outlive it (limiter may be null).
class CameraRoutes {
 public:
  CameraRoutes(CommandBackend& backend, StreamStore& streams, ratelimit::Limiter* limiter, CircuitBreaker& breaker,
               Clock& clock, CameraOptions options = {})
      : backend_(backend), streams_(streams), limiter_(limiter), breaker_(breaker), clock_(clock), options_(options) {}

  void Register(Router& router);

  // Device commands actually sent (for tests and metrics).
  int64_t sent() const { return sent_.load(); }

 private:
  http::Response Rotate(const http::Request& r, const std::string& device);
  http::Response Zoom(const http::Request& r, const std::string& device);
  http::Response StartStream(const http::Request& r, const std::string& device);
  http::Response StopStream(const http::Request& r, const std::string& device);
  http::Response Snapshot(const http::Request& r, const std::string& device);
  // Rate limit, breaker, send; maps the device's failures to errors.
  absl::StatusOr<presence::v1::CommandResult> Send(const http::Request& r, const std::string& device,
                                                   const std::string& type, const std::string& body_json);

  CommandBackend& backend_;
  StreamStore& streams_;
  ratelimit::Limiter* const limiter_;
  CircuitBreaker& breaker_;
  Clock& clock_;
  const CameraOptions options_;
  std::atomic<int64_t> sent_{0};
};

}  // namespace fleet::bff::commands
