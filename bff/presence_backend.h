#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bff/call_context.h"
#include "fleet/presence/v1/presence.grpc.pb.h"

namespace fleet::bff {

// What the BFF needs from device-online. Thread-safe. Errors carry the service's reason.
class PresenceBackend {
 public:
  virtual ~PresenceBackend() = default;
  virtual absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext&) = 0;
  virtual absl::StatusOr<presence::v1::ListPresenceResponse> List(
      const presence::v1::ListPresenceRequest& req, const CallContext&) = 0;
  // One device's presence transitions, newest first (device-online ListPresenceHistory).
  virtual absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext&) = 0;
  // OK when device-online answers its health check.
  virtual absl::Status Ready() = 0;
};

// device-online over gRPC (target like "127.0.0.1:7001" or "dns:///device-online:7001").
std::unique_ptr<PresenceBackend> NewGrpcPresenceBackend(const std::string& target);

}  // namespace fleet::bff
