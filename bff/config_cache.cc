#include "bff/config_cache.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace fleet::bff {

using config::v1::DeviceConfig;

CachingConfigBackend::CachingConfigBackend(std::unique_ptr<ConfigBackend> inner, TtlCacheOptions options,
                                           Clock& clock, CacheRefresherOptions refresher)
    : inner_(std::move(inner)), cache_(options, clock) {
  if (options.ttl <= absl::ZeroDuration() || options.refresh_ahead <= absl::ZeroDuration()) return;
  refresher_ = StartRefreshAhead(
      cache_, refresher,
      [this](const std::vector<std::string>& ids) -> absl::StatusOr<std::vector<std::pair<std::string, DeviceConfig>>> {
        config::v1::BatchGetDeviceConfigsRequest req;
        for (const std::string& id : ids) req.add_devices(absl::StrCat("devices/", id));
        absl::StatusOr<config::v1::BatchGetDeviceConfigsResponse> resp =
            inner_->BatchGetDeviceConfigs(req, CacheRefreshCall());
        if (!resp.ok()) return resp.status();
        std::vector<std::pair<std::string, DeviceConfig>> out;
        out.reserve(resp->configs_size());
        for (DeviceConfig& c : *resp->mutable_configs()) {
          absl::string_view id = c.name();  // "devices/{id}/config"
          if (!absl::ConsumePrefix(&id, "devices/") || !absl::ConsumeSuffix(&id, "/config")) continue;
          out.emplace_back(std::string(id), std::move(c));
        }
        return out;
      });
}

absl::StatusOr<DeviceConfig> CachingConfigBackend::GetDeviceConfig(const config::v1::GetDeviceConfigRequest& req,
                                                                   const CallContext& call) {
  return cache_.Get(DeviceKey(req.device()), [&] { return inner_->GetDeviceConfig(req, call); });
}

absl::StatusOr<config::v1::BatchGetDeviceConfigsResponse> CachingConfigBackend::BatchGetDeviceConfigs(
    const config::v1::BatchGetDeviceConfigsRequest& req, const CallContext& call) {
  return inner_->BatchGetDeviceConfigs(req, call);
}

absl::StatusOr<config::v1::ConfigVersion> CachingConfigBackend::SetDesiredConfig(
    const config::v1::SetDesiredConfigRequest& req, const CallContext& call) {
  auto out = inner_->SetDesiredConfig(req, call);
  const std::string id = DeviceKey(req.device());
  cache_.Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::ConfigVersion> CachingConfigBackend::RollbackConfig(
    const config::v1::RollbackConfigRequest& req, const CallContext& call) {
  auto out = inner_->RollbackConfig(req, call);
  const std::string id = DeviceKey(req.device());
  cache_.Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::ConfigTemplate> CachingConfigBackend::PutConfigTemplate(
    const config::v1::PutConfigTemplateRequest& req, const CallContext& call) {
  auto out = inner_->PutConfigTemplate(req, call);
  cache_.Invalidate(nullptr);
  return out;
}

absl::Status CachingConfigBackend::DeleteConfigTemplate(const config::v1::DeleteConfigTemplateRequest& req,
                                                        const CallContext& call) {
  absl::Status out = inner_->DeleteConfigTemplate(req, call);
  cache_.Invalidate(nullptr);
  return out;
}

absl::StatusOr<config::v1::ConfigVersion> CachingConfigBackend::GetConfigVersion(
    const config::v1::GetConfigVersionRequest& req, const CallContext& call) {
  return inner_->GetConfigVersion(req, call);
}

absl::StatusOr<config::v1::ListConfigVersionsResponse> CachingConfigBackend::ListConfigVersions(
    const config::v1::ListConfigVersionsRequest& req, const CallContext& call) {
  return inner_->ListConfigVersions(req, call);
}

absl::StatusOr<config::v1::DiffConfigVersionsResponse> CachingConfigBackend::DiffConfigVersions(
    const config::v1::DiffConfigVersionsRequest& req, const CallContext& call) {
  return inner_->DiffConfigVersions(req, call);
}

absl::StatusOr<config::v1::ConfigTemplate> CachingConfigBackend::GetConfigTemplate(
    const config::v1::GetConfigTemplateRequest& req, const CallContext& call) {
  return inner_->GetConfigTemplate(req, call);
}

absl::StatusOr<config::v1::ListConfigTemplatesResponse> CachingConfigBackend::ListConfigTemplates(
    const config::v1::ListConfigTemplatesRequest& req, const CallContext& call) {
  return inner_->ListConfigTemplates(req, call);
}

absl::Status CachingConfigBackend::Ready() { return inner_->Ready(); }

TtlCacheStats CachingConfigBackend::stats() const { return cache_.stats(); }

}  // namespace fleet::bff
