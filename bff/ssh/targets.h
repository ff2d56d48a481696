#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "bff/tunnel_backend.h"

namespace fleet::bff::ssh {

// Where a device's SSH server is reachable: the frp server's public address and the remote port
// of the "ssh" proxy of the device's OPEN tunnel.
struct SshTarget {
  std::string host;
  int port = 0;
  std::string tunnel;  // "tunnels/{id}"
};

// Finds and re-checks SSH targets. Thread-safe.
class TargetResolver {
 public:
  virtual ~TargetResolver() = default;
  // NOT_FOUND / SSH_NO_TUNNEL when the device has no OPEN tunnel, FAILED_PRECONDITION /
  // SSH_NOT_IN_TUNNEL when it has no "ssh" proxy; backend errors as they come.
  virtual absl::StatusOr<SshTarget> Resolve(const std::string& device_id, const CallContext& ctx) = 0;
  // OK while the tunnel is OPEN, and when the tunnel service cannot answer right now (a running
  // session is not cut because of a transient outage); FAILED_PRECONDITION / TUNNEL_CLOSED once
  // it is known to be closing or ended.
  virtual absl::Status StillOpen(const std::string& tunnel, const CallContext& ctx) = 0;
};

// Resolves through the tunnel service (ListTunnels by device, state OPEN; GetTunnel).
std::unique_ptr<TargetResolver> NewTunnelTargetResolver(TunnelBackend& tunnels);

}  // namespace fleet::bff::ssh
