#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "services/tunnel/domain/session.h"

// Domain errors shared by the use cases and every store implementation, so that all of them
// answer the same code and reason (fleet.tunnel.v1.TunnelErrorReason).
namespace fleet::tunnel {

// RESOURCE_EXHAUSTED / TUNNEL_PORTS_EXHAUSTED, metadata "needed".
absl::Status PortsExhausted(int needed);
// RESOURCE_EXHAUSTED / TUNNEL_OPERATOR_CAP, metadata "operator", "cap".
absl::Status OperatorCapReached(std::string_view operator_id, int cap);
// NOT_FOUND / TUNNEL_NOT_FOUND, metadata "tunnel".
absl::Status SessionNotFound(std::string_view id);

// FAILED_PRECONDITION / TUNNEL_CLOSED, metadata "state": the session is closing or has ended.
absl::Status SessionEnded(SessionState state);

}  // namespace fleet::tunnel
