#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "fleet/config/v1/device_registry.grpc.pb.h"

namespace fleet::bff {

// What the BFF needs from device-config's DeviceRegistry. Requests are passed through as the
// service defines them. Thread-safe. Errors carry the service's reason and metadata
// (DEVICE_NOT_FOUND, DEVICE_ETAG_MISMATCH, IMPORT_ROWS_INVALID, INVALID_FILTER, ...).
class RegistryBackend {
 public:
  virtual ~RegistryBackend() = default;
  virtual absl::StatusOr<config::v1::Device> Create(const config::v1::CreateDeviceRequest& req,
                                                    const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::Device> Get(const config::v1::GetDeviceRequest& req,
                                                 const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::Device> Update(const config::v1::UpdateDeviceRequest& req,
                                                    const CallContext&) = 0;
  virtual absl::Status Delete(const config::v1::DeleteDeviceRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest& req,
                                                               const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(
      const config::v1::BatchGetDevicesRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ImportDevicesResponse> Import(
      const config::v1::ImportDevicesRequest& req, const CallContext&) = 0;
  // OK when device-config answers a cheap call within 1 s.
  virtual absl::Status Ready() = 0;
};

// device-config over gRPC (target like "127.0.0.1:7002" or "dns:///device-config:7002").
std::unique_ptr<RegistryBackend> NewGrpcRegistryBackend(const std::string& target);

// For a BFF started without device-config: every call (and Ready) returns NotConfigured
// ("device-config is not configured", 503 BACKEND_UNAVAILABLE over HTTP).
std::unique_ptr<RegistryBackend> NewUnconfiguredRegistryBackend();

}  // namespace fleet::bff
