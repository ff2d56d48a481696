#pragma once

#include "fleet/presence/v1/presence.grpc.pb.h"
#include "services/device-online/domain/command.h"

namespace fleet::online {

// gRPC handler of fleet.presence.v1.DeviceCommands: convert, relay, convert back. The command's
// wait is bounded by both the request's timeout and the gRPC deadline; the current trace context
// travels to the device as `traceparent`.
class DeviceCommandsService final : public presence::v1::DeviceCommands::Service {
 public:
  explicit DeviceCommandsService(CommandRelay& relay) : relay_(relay) {}

  grpc::Status SendCommand(grpc::ServerContext* ctx, const presence::v1::SendCommandRequest* req,
                           presence::v1::CommandResult* resp) override;

 private:
  CommandRelay& relay_;
};

}  // namespace fleet::online
