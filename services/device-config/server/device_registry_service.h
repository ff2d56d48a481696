#pragma once

#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "services/device-config/domain/registry.h"

namespace fleet::devcfg {

// gRPC handlers of fleet.config.v1.DeviceRegistry: convert, call one Registry use case, convert
// back. Errors leave as google.rpc.Status with ErrorInfo (libs/status). Thread-safe.
class DeviceRegistryService final : public config::v1::DeviceRegistry::Service {
 public:
  explicit DeviceRegistryService(Registry& registry) : registry_(registry) {}

  grpc::Status CreateDevice(grpc::ServerContext*, const config::v1::CreateDeviceRequest* req,
                            config::v1::Device* resp) override;
  grpc::Status GetDevice(grpc::ServerContext*, const config::v1::GetDeviceRequest* req,
                         config::v1::Device* resp) override;
  grpc::Status UpdateDevice(grpc::ServerContext*, const config::v1::UpdateDeviceRequest* req,
                            config::v1::Device* resp) override;
  grpc::Status DeleteDevice(grpc::ServerContext*, const config::v1::DeleteDeviceRequest* req,
                            config::v1::DeleteDeviceResponse* resp) override;
  grpc::Status ListDevices(grpc::ServerContext*, const config::v1::ListDevicesRequest* req,
                           config::v1::ListDevicesResponse* resp) override;
  grpc::Status BatchGetDevices(grpc::ServerContext*, const config::v1::BatchGetDevicesRequest* req,
                               config::v1::BatchGetDevicesResponse* resp) override;
  grpc::Status ImportDevices(grpc::ServerContext*, const config::v1::ImportDevicesRequest* req,
                             config::v1::ImportDevicesResponse* resp) override;

 private:
  Registry& registry_;
};

}  // namespace fleet::devcfg
