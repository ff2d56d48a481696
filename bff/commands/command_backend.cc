#include "bff/commands/command_backend.h"

#include "bff/grpc_call.h"
#include "libs/grpcx/server.h"
#include "libs/status/status.h"

namespace fleet::bff::commands {
namespace {

class GrpcCommandBackend : public CommandBackend {
 public:
  explicit GrpcCommandBackend(std::shared_ptr<grpc::Channel> channel)
      : stub_(presence::v1::DeviceCommands::NewStub(channel)) {}
  absl::StatusOr<presence::v1::CommandResult> Send(const presence::v1::SendCommandRequest& req,
                                                   const CallContext& ctx) override {
    return UnaryCall(*stub_, &presence::v1::DeviceCommands::Stub::SendCommand, req, ctx);
  }

 private:
  std::unique_ptr<presence::v1::DeviceCommands::Stub> stub_;
};

class UnconfiguredCommandBackend : public CommandBackend {
 public:
  absl::StatusOr<presence::v1::CommandResult> Send(const presence::v1::SendCommandRequest&,
                                                   const CallContext&) override {
    return NotConfigured("device-online");
  }
};

}  // namespace

std::unique_ptr<CommandBackend> NewUnconfiguredCommandBackend() {
  return std::make_unique<UnconfiguredCommandBackend>();
}

std::unique_ptr<CommandBackend> NewGrpcCommandBackend(const std::string& target) {
  return std::make_unique<GrpcCommandBackend>(grpcx::Dial(target));
}

}  // namespace fleet::bff::commands
