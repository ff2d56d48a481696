#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "bff/registry_backend.h"
#include "libs/clock/clock.h"

namespace fleet::bff {

struct RegistryCacheOptions {
  // How long a device read from device-config may be served again without asking. Zero = no
  // cache (every call goes to device-config).
  absl::Duration ttl = absl::ZeroDuration();
  // Bound on cached devices; reaching it empties the cache (cheap, and refilled by hot devices).
  size_t max_entries = 100'000;
  // 0..1: a device's entry lives ttl x (1 - ttl_jitter x u), u in [0, 1) fixed per device id (a
  // hash). Entries filled together (a replica's start, a burst over many devices) then expire
  // spread over time instead of at once, which would send a wave of reads to device-config and
  // hold request threads all together. Never makes an entry live longer than ttl.
  double ttl_jitter = 0;
};

// Counters of a caching backend (for metrics and tests).
struct RegistryCacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
};

// A RegistryBackend that serves Get from a per-replica cache for
// up to options.ttl, and passes every other call through. Writes through this backend
// (Create, Update, Delete, Import) drop the affected entries before returning, so this replica
// reads its own writes; a write through another replica is seen within ttl. Only successful
// reads are cached: NOT_FOUND and errors always go to device-config. Thread-safe.
class CachingRegistryBackend : public RegistryBackend {
 public:
  CachingRegistryBackend(std::unique_ptr<RegistryBackend> inner, RegistryCacheOptions options, Clock& clock);
  ~CachingRegistryBackend() override;

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
  struct State;
  absl::Duration TtlOf(const std::string& id) const;
  std::unique_ptr<RegistryBackend> inner_;
  const RegistryCacheOptions options_;
  Clock& clock_;
  std::unique_ptr<State> state_;
};

}  // namespace fleet::bff
