#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
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
  CachingRegistryBackend(std::unique_ptr<RegistryBackend> inner, RegistryCacheOptions options, Clock& clock);

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

 private:
  std::unique_ptr<RegistryBackend> inner_;
  TtlCache<config::v1::Device> cache_;
};

}  // namespace fleet::bff
