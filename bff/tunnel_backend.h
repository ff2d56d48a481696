#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "fleet/tunnel/v1/tunnel.grpc.pb.h"

namespace fleet::bff {

// What the BFF needs from the tunnel service. Requests are passed through as the service defines
// them. Thread-safe. Errors carry the service's reason and metadata (TUNNEL_NOT_FOUND,
// TUNNEL_PORTS_EXHAUSTED, TUNNEL_OPERATOR_CAP, TUNNEL_TTL_CAP, TUNNEL_CLOSED, ...).
class TunnelBackend {
 public:
  virtual ~TunnelBackend() = default;
  virtual absl::StatusOr<tunnel::v1::Session> Open(const tunnel::v1::OpenTunnelRequest& req,
                                                   const CallContext&) = 0;
  virtual absl::StatusOr<tunnel::v1::Session> Get(const tunnel::v1::GetTunnelRequest& req,
                                                  const CallContext&) = 0;
  virtual absl::StatusOr<tunnel::v1::ListTunnelsResponse> List(const tunnel::v1::ListTunnelsRequest& req,
                                                                const CallContext&) = 0;
  virtual absl::StatusOr<tunnel::v1::Session> Extend(const tunnel::v1::ExtendTunnelRequest& req,
                                                     const CallContext&) = 0;
  virtual absl::StatusOr<tunnel::v1::Session> Close(const tunnel::v1::CloseTunnelRequest& req,
                                                    const CallContext&) = 0;
  // OK when the tunnel service answers a cheap call within 1 s.
  virtual absl::Status Ready() = 0;
};

// The tunnel service over gRPC (target like "127.0.0.1:7003").
std::unique_ptr<TunnelBackend> NewGrpcTunnelBackend(const std::string& target);

// For a BFF started without the tunnel service: every call (and Ready) returns NotConfigured
// ("tunnel is not configured", 503 BACKEND_UNAVAILABLE over HTTP).
std::unique_ptr<TunnelBackend> NewUnconfiguredTunnelBackend();

}  // namespace fleet::bff
