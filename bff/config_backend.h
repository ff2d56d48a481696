#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "fleet/config/v1/device_config.grpc.pb.h"

namespace fleet::bff {

// What the BFF needs from device-config's DeviceConfigService (served by the same process and
// address as DeviceRegistry). Requests are passed through as the service defines them.
// Thread-safe. Errors carry the service's reason and metadata (CONFIG_INVALID,
// CONFIG_VERSION_MISMATCH with "current_version", CONFIG_VERSION_NOT_FOUND, TEMPLATE_NOT_FOUND,
// TEMPLATE_REVISION_MISMATCH with "current_revision", DEVICE_NOT_FOUND, ...).
class ConfigBackend {
 public:
  virtual ~ConfigBackend() = default;
  virtual absl::StatusOr<config::v1::DeviceConfig> GetDeviceConfig(const config::v1::GetDeviceConfigRequest& req,
                                                                   const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::BatchGetDeviceConfigsResponse> BatchGetDeviceConfigs(
      const config::v1::BatchGetDeviceConfigsRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ConfigVersion> SetDesiredConfig(
      const config::v1::SetDesiredConfigRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ConfigVersion> RollbackConfig(const config::v1::RollbackConfigRequest& req,
                                                                   const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ConfigVersion> GetConfigVersion(
      const config::v1::GetConfigVersionRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ListConfigVersionsResponse> ListConfigVersions(
      const config::v1::ListConfigVersionsRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::DiffConfigVersionsResponse> DiffConfigVersions(
      const config::v1::DiffConfigVersionsRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ConfigTemplate> PutConfigTemplate(
      const config::v1::PutConfigTemplateRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ConfigTemplate> GetConfigTemplate(
      const config::v1::GetConfigTemplateRequest& req, const CallContext&) = 0;
  virtual absl::Status DeleteConfigTemplate(const config::v1::DeleteConfigTemplateRequest& req,
                                            const CallContext&) = 0;
  virtual absl::StatusOr<config::v1::ListConfigTemplatesResponse> ListConfigTemplates(
      const config::v1::ListConfigTemplatesRequest& req, const CallContext&) = 0;
  // OK when the service answers a cheap call (ListConfigTemplates) within 1 s.
  virtual absl::Status Ready() = 0;
};

// DeviceConfigService over gRPC (the --device_config target, e.g. "127.0.0.1:7002").
std::unique_ptr<ConfigBackend> NewGrpcConfigBackend(const std::string& target);

// For a BFF started without device-config: every call (and Ready) returns NotConfigured
// ("device-config is not configured", 503 BACKEND_UNAVAILABLE over HTTP).
std::unique_ptr<ConfigBackend> NewUnconfiguredConfigBackend();

}  // namespace fleet::bff
