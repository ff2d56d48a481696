#include "bff/registry_backend.h"

#include <chrono>

#include "bff/grpc_call.h"
#include "grpcpp/grpcpp.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"

namespace fleet::bff {
namespace {

using Stub = config::v1::DeviceRegistry::Stub;

class GrpcRegistryBackend : public RegistryBackend {
 public:
  explicit GrpcRegistryBackend(std::shared_ptr<grpc::Channel> channel)
      : stub_(config::v1::DeviceRegistry::NewStub(channel)) {}

  absl::StatusOr<config::v1::Device> Create(const config::v1::CreateDeviceRequest& req,
                                            const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::CreateDevice, req, call);
  }
  absl::StatusOr<config::v1::Device> Get(const config::v1::GetDeviceRequest& req,
                                         const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::GetDevice, req, call);
  }
  absl::StatusOr<config::v1::Device> Update(const config::v1::UpdateDeviceRequest& req,
                                            const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::UpdateDevice, req, call);
  }
  absl::Status Delete(const config::v1::DeleteDeviceRequest& req, const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::DeleteDevice, req, call).status();
  }
  absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest& req,
                                                       const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ListDevices, req, call);
  }
  absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(const config::v1::BatchGetDevicesRequest& req,
                                                               const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::BatchGetDevices, req, call);
  }
  absl::StatusOr<config::v1::ImportDevicesResponse> Import(const config::v1::ImportDevicesRequest& req,
                                                           const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ImportDevices, req, call);
  }
  absl::Status Ready() override {
    config::v1::ListDevicesRequest req;
    req.set_page_size(1);
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(1);
    return UnaryCall(*stub_, &Stub::ListDevices, req, call).status();
  }

 private:
  std::unique_ptr<Stub> stub_;
};

class UnconfiguredRegistryBackend : public RegistryBackend {
 public:
  absl::StatusOr<config::v1::Device> Create(const config::v1::CreateDeviceRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<config::v1::Device> Get(const config::v1::GetDeviceRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<config::v1::Device> Update(const config::v1::UpdateDeviceRequest&, const CallContext&) override {
    return Err();
  }
  absl::Status Delete(const config::v1::DeleteDeviceRequest&, const CallContext&) override { return Err(); }
  absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest&,
                                                       const CallContext&) override {
    return Err();
  }
  absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(const config::v1::BatchGetDevicesRequest&,
                                                               const CallContext&) override {
    return Err();
  }
  absl::StatusOr<config::v1::ImportDevicesResponse> Import(const config::v1::ImportDevicesRequest&,
                                                           const CallContext&) override {
    return Err();
  }
  absl::Status Ready() override { return Err(); }

 private:
  static absl::Status Err() { return NotConfigured("device-config"); }
};

}  // namespace

std::unique_ptr<RegistryBackend> NewGrpcRegistryBackend(const std::string& target) {
  return std::make_unique<GrpcRegistryBackend>(grpcx::Dial(target));
}

std::unique_ptr<RegistryBackend> NewUnconfiguredRegistryBackend() {
  return std::make_unique<UnconfiguredRegistryBackend>();
}

}  // namespace fleet::bff
