#pragma once

#include <memory>

#include "bff/cache_refresher.h"
#include "bff/config_backend.h"
#include "bff/ttl_cache.h"
#include "libs/clock/clock.h"

namespace fleet::bff {

// A ConfigBackend that serves GetDeviceConfig from a per-replica cache for up to options.ttl
// and passes every other call through. What it may serve late: what the device reported
// (reported_version / status / hash, acknowledged through Kafka, not through the BFF), and a
// desired or effective config changed through another replica or by a label change; all of it
// at most ttl old. This replica's own SetDesiredConfig and RollbackConfig drop the device's entry,
// and its template writes (PutConfigTemplate, DeleteConfigTemplate, which may change any device's
// effective config) drop every entry, before returning. Only successful reads are cached.
// Thread-safe.
class CachingConfigBackend : public ConfigBackend {
 public:
  // With options.refresh_ahead > 0, configs read within that window before their expiry are
  // re-read in the background with BatchGetDeviceConfigs, per `refresher` (see CacheRefresher).
  CachingConfigBackend(std::unique_ptr<ConfigBackend> inner, TtlCacheOptions options, Clock& clock,
                       CacheRefresherOptions refresher = {});

  absl::StatusOr<config::v1::DeviceConfig> GetDeviceConfig(const config::v1::GetDeviceConfigRequest& req,
                                                           const CallContext&) override;
  absl::StatusOr<config::v1::BatchGetDeviceConfigsResponse> BatchGetDeviceConfigs(
      const config::v1::BatchGetDeviceConfigsRequest& req, const CallContext&) override;
  absl::StatusOr<config::v1::ConfigVersion> SetDesiredConfig(const config::v1::SetDesiredConfigRequest& req,
                                                             const CallContext&) override;
  absl::StatusOr<config::v1::ConfigVersion> RollbackConfig(const config::v1::RollbackConfigRequest& req,
                                                           const CallContext&) override;
  absl::StatusOr<config::v1::ConfigVersion> GetConfigVersion(const config::v1::GetConfigVersionRequest& req,
                                                             const CallContext&) override;
  absl::StatusOr<config::v1::ListConfigVersionsResponse> ListConfigVersions(
      const config::v1::ListConfigVersionsRequest& req, const CallContext&) override;
  absl::StatusOr<config::v1::DiffConfigVersionsResponse> DiffConfigVersions(
      const config::v1::DiffConfigVersionsRequest& req, const CallContext&) override;
  absl::StatusOr<config::v1::ConfigTemplate> PutConfigTemplate(const config::v1::PutConfigTemplateRequest& req,
                                                               const CallContext&) override;
  absl::StatusOr<config::v1::ConfigTemplate> GetConfigTemplate(const config::v1::GetConfigTemplateRequest& req,
                                                               const CallContext&) override;
  absl::Status DeleteConfigTemplate(const config::v1::DeleteConfigTemplateRequest& req,
                                    const CallContext&) override;
  absl::StatusOr<config::v1::ListConfigTemplatesResponse> ListConfigTemplates(
      const config::v1::ListConfigTemplatesRequest& req, const CallContext&) override;
  absl::Status Ready() override;

  TtlCacheStats stats() const;
  // Null when refresh-ahead is off.
  const CacheRefresher* refresher() const { return refresher_.get(); }

 private:
  std::unique_ptr<ConfigBackend> inner_;
  TtlCache<config::v1::DeviceConfig> cache_;
  std::unique_ptr<CacheRefresher> refresher_;  // last: stopped before what it uses
};

}  // namespace fleet::bff
