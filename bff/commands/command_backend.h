#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "fleet/presence/v1/presence.grpc.pb.h"

namespace fleet::bff::commands {

// Live commands through device-online (fleet.presence.v1.DeviceCommands). Thread-safe. Errors
// carry device-online's reasons: DEVICE_OFFLINE (503), PRESENCE_NOT_FOUND (404), DEVICE_TIMEOUT
// (504), INVALID_FIELD (400), BACKEND_UNAVAILABLE.
class CommandBackend {
 public:
  virtual ~CommandBackend() = default;
  virtual absl::StatusOr<presence::v1::CommandResult> Send(const presence::v1::SendCommandRequest& req,
                                                           const CallContext& ctx) = 0;
};

// device-online over gRPC (the same target as the presence backend).
std::unique_ptr<CommandBackend> NewGrpcCommandBackend(const std::string& target);

// Every call: NotConfigured("device-online") (UNAVAILABLE / BACKEND_UNAVAILABLE).
std::unique_ptr<CommandBackend> NewUnconfiguredCommandBackend();

}  // namespace fleet::bff::commands
