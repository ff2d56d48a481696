#pragma once

#include "fleet/config/v1/device_config.grpc.pb.h"
#include "services/device-config/domain/config_service.h"

namespace fleet::devcfg {

// gRPC handlers of fleet.config.v1.DeviceConfigService: convert, call one ConfigService use
// case, convert back. Errors leave as google.rpc.Status with ErrorInfo (libs/status).
// Thread-safe.
class DeviceConfigGrpcService final : public config::v1::DeviceConfigService::Service {
 public:
  explicit DeviceConfigGrpcService(ConfigService& configs) : configs_(configs) {}

  grpc::Status BatchGetDeviceConfigs(grpc::ServerContext*, const config::v1::BatchGetDeviceConfigsRequest* req,
                                     config::v1::BatchGetDeviceConfigsResponse* resp) override;
  grpc::Status GetDeviceConfig(grpc::ServerContext*, const config::v1::GetDeviceConfigRequest* req,
                               config::v1::DeviceConfig* resp) override;
  grpc::Status SetDesiredConfig(grpc::ServerContext*, const config::v1::SetDesiredConfigRequest* req,
                                config::v1::ConfigVersion* resp) override;
  grpc::Status RollbackConfig(grpc::ServerContext*, const config::v1::RollbackConfigRequest* req,
                              config::v1::ConfigVersion* resp) override;
  grpc::Status GetConfigVersion(grpc::ServerContext*, const config::v1::GetConfigVersionRequest* req,
                                config::v1::ConfigVersion* resp) override;
  grpc::Status ListConfigVersions(grpc::ServerContext*, const config::v1::ListConfigVersionsRequest* req,
                                  config::v1::ListConfigVersionsResponse* resp) override;
  grpc::Status DiffConfigVersions(grpc::ServerContext*, const config::v1::DiffConfigVersionsRequest* req,
                                  config::v1::DiffConfigVersionsResponse* resp) override;
  grpc::Status PutConfigTemplate(grpc::ServerContext*, const config::v1::PutConfigTemplateRequest* req,
                                 config::v1::ConfigTemplate* resp) override;
  grpc::Status GetConfigTemplate(grpc::ServerContext*, const config::v1::GetConfigTemplateRequest* req,
                                 config::v1::ConfigTemplate* resp) override;
  grpc::Status DeleteConfigTemplate(grpc::ServerContext*, const config::v1::DeleteConfigTemplateRequest* req,
                                    config::v1::DeleteConfigTemplateResponse* resp) override;
  grpc::Status ListConfigTemplates(grpc::ServerContext*, const config::v1::ListConfigTemplatesRequest* req,
                                   config::v1::ListConfigTemplatesResponse* resp) override;

 private:
  ConfigService& configs_;
};

}  // namespace fleet::devcfg
