#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "bff/cache_refresher.h"
#include "bff/registry_backend.h"
#include "bff/ttl_cache.h"
#include "libs/clock/clock.h"

namespace fleet::bff {

// Options and counters of the device cache (see TtlCache).
using RegistryCacheOptions = TtlCacheOptions;
using RegistryCacheStats = TtlCacheStats;

// A RegistryBackend that serves Get from a per-replica cache for
// up to options.ttl, and passes every other call through. Writes through this backend
// (Create, Update, Delete, Import) drop the affected entries before returning, so this replica
// reads its own writes; a write through another replica is seen within ttl. Only successful
// reads are cached: NOT_FOUND and errors always go to device-config. Thread-safe.
class CachingRegistryBackend : public RegistryBackend {
 public:
  // With options.refresh_ahead > 0, devices read within that window before their expiry are
  // re-read in the background with BatchGetDevices, per `refresher` (see CacheRefresher).
  CachingRegistryBackend(std::unique_ptr<RegistryBackend> inner, RegistryCacheOptions options, Clock& clock,
                         CacheRefresherOptions refresher = {});

  absl::StatusOr<config::v1::Device> Create(const config::v1::CreateDeviceRequest& req,
                                            const CallContext&) override;
  absl::StatusOr<config::v1::Device> Get(const config::v1::GetDeviceRequest& req, const CallContext&) override;
  absl::StatusOr<config::v1::Device> Update(const config::v1::UpdateDeviceRequest& req,
                                            const CallContext&) override;
  absl::Status Delete(const config::v1::DeleteDeviceRequest& req, const CallContext&) override;
  absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest& req,
                                                       const CallContext&) override;
  absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(const config::v1::BatchGetDevicesRequest& req,
                                                               const CallContext&) override;
  absl::StatusOr<config::v1::ImportDevicesResponse> Import(const config::v1::ImportDevicesRequest& req,
                                                           const CallContext&) override;
  absl::Status Ready() override;

  RegistryCacheStats stats() const;
  // Null when refresh-ahead is off.
  const CacheRefresher* refresher() const { return refresher_.get(); }

 private:
  std::unique_ptr<RegistryBackend> inner_;
  TtlCache<config::v1::Device> cache_;
  std::unique_ptr<CacheRefresher> refresher_;  // last: stopped before what it uses
};

}  // namespace fleet::bff
