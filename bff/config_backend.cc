#include "bff/config_backend.h"

#include "bff/grpc_call.h"
#include "grpcpp/grpcpp.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"

namespace fleet::bff {
namespace {

namespace v1 = config::v1;
using Stub = v1::DeviceConfigService::Stub;

class GrpcConfigBackend : public ConfigBackend {
 public:
  explicit GrpcConfigBackend(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::DeviceConfigService::NewStub(channel)) {}

  absl::StatusOr<v1::DeviceConfig> GetDeviceConfig(const v1::GetDeviceConfigRequest& req,
                                                   const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::GetDeviceConfig, req, call);
  }
  absl::StatusOr<v1::BatchGetDeviceConfigsResponse> BatchGetDeviceConfigs(const v1::BatchGetDeviceConfigsRequest& req,
                                                                          const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::BatchGetDeviceConfigs, req, call);
  }
  absl::StatusOr<v1::ConfigVersion> SetDesiredConfig(const v1::SetDesiredConfigRequest& req,
                                                     const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::SetDesiredConfig, req, call);
  }
  absl::StatusOr<v1::ConfigVersion> RollbackConfig(const v1::RollbackConfigRequest& req,
                                                   const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::RollbackConfig, req, call);
  }
  absl::StatusOr<v1::ConfigVersion> GetConfigVersion(const v1::GetConfigVersionRequest& req,
                                                     const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::GetConfigVersion, req, call);
  }
  absl::StatusOr<v1::ListConfigVersionsResponse> ListConfigVersions(const v1::ListConfigVersionsRequest& req,
                                                                    const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ListConfigVersions, req, call);
  }
  absl::StatusOr<v1::DiffConfigVersionsResponse> DiffConfigVersions(const v1::DiffConfigVersionsRequest& req,
                                                                    const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::DiffConfigVersions, req, call);
  }
  absl::StatusOr<v1::ConfigTemplate> PutConfigTemplate(const v1::PutConfigTemplateRequest& req,
                                                       const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::PutConfigTemplate, req, call);
  }
  absl::StatusOr<v1::ConfigTemplate> GetConfigTemplate(const v1::GetConfigTemplateRequest& req,
                                                       const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::GetConfigTemplate, req, call);
  }
  absl::Status DeleteConfigTemplate(const v1::DeleteConfigTemplateRequest& req, const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::DeleteConfigTemplate, req, call).status();
  }
  absl::StatusOr<v1::ListConfigTemplatesResponse> ListConfigTemplates(const v1::ListConfigTemplatesRequest& req,
                                                                      const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ListConfigTemplates, req, call);
  }
  absl::Status Ready() override {
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(1);
    return UnaryCall(*stub_, &Stub::ListConfigTemplates, v1::ListConfigTemplatesRequest(), call).status();
  }

 private:
  std::unique_ptr<Stub> stub_;
};

class UnconfiguredConfigBackend : public ConfigBackend {
 public:
  absl::StatusOr<v1::DeviceConfig> GetDeviceConfig(const v1::GetDeviceConfigRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::BatchGetDeviceConfigsResponse> BatchGetDeviceConfigs(const v1::BatchGetDeviceConfigsRequest&,
                                                                          const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ConfigVersion> SetDesiredConfig(const v1::SetDesiredConfigRequest&,
                                                     const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ConfigVersion> RollbackConfig(const v1::RollbackConfigRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ConfigVersion> GetConfigVersion(const v1::GetConfigVersionRequest&,
                                                     const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ListConfigVersionsResponse> ListConfigVersions(const v1::ListConfigVersionsRequest&,
                                                                    const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::DiffConfigVersionsResponse> DiffConfigVersions(const v1::DiffConfigVersionsRequest&,
                                                                    const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ConfigTemplate> PutConfigTemplate(const v1::PutConfigTemplateRequest&,
                                                       const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ConfigTemplate> GetConfigTemplate(const v1::GetConfigTemplateRequest&,
                                                       const CallContext&) override {
    return Err();
  }
  absl::Status DeleteConfigTemplate(const v1::DeleteConfigTemplateRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<v1::ListConfigTemplatesResponse> ListConfigTemplates(const v1::ListConfigTemplatesRequest&,
                                                                      const CallContext&) override {
    return Err();
  }
  absl::Status Ready() override { return Err(); }

 private:
  static absl::Status Err() { return NotConfigured("device-config"); }
};

}  // namespace

std::unique_ptr<ConfigBackend> NewGrpcConfigBackend(const std::string& target) {
  return std::make_unique<GrpcConfigBackend>(grpcx::Dial(target));
}

std::unique_ptr<ConfigBackend> NewUnconfiguredConfigBackend() {
  return std::make_unique<UnconfiguredConfigBackend>();
}

}  // namespace fleet::bff
