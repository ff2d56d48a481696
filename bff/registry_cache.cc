#include "bff/registry_cache.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"

namespace fleet::bff {
namespace {

// "devices/{id}" and a bare id name the same device.
std::string IdOf(const std::string& name) {
  return absl::StartsWith(name, "devices/") ? name.substr(8) : name;
}

}  // namespace

absl::Duration CachingRegistryBackend::TtlOf(const std::string& id) const {
  if (options_.ttl_jitter <= 0) return options_.ttl;
  // u in [0, 1) from the id's hash: the same device always gets the same share.
  const double u = static_cast<double>(absl::Hash<std::string>{}(id) % 1'000'000) / 1e6;
  return options_.ttl * (1 - std::min(options_.ttl_jitter, 1.0) * u);
}

struct CachingRegistryBackend::State {
  struct Entry {
    config::v1::Device device;
    absl::Time expires;  // fetched + TtlOf(id)
  };
  mutable absl::Mutex mu;
  absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  // Bumped by every write; a read that started before a write must not store what it read.
  uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  RegistryCacheStats stats ABSL_GUARDED_BY(mu);

  // After a write: drops the device's entry (every entry when id is null) and keeps reads that
  // started before the write from storing what they read.
  void Invalidate(const std::string* id) {
    absl::MutexLock lock(&mu);
    ++generation;
    if (id == nullptr) {
      entries.clear();
    } else {
      entries.erase(*id);
    }
  }
};

CachingRegistryBackend::CachingRegistryBackend(std::unique_ptr<RegistryBackend> inner,
                                               RegistryCacheOptions options, Clock& clock)
    : inner_(std::move(inner)), options_(options), clock_(clock), state_(std::make_unique<State>()) {}

CachingRegistryBackend::~CachingRegistryBackend() = default;

absl::StatusOr<config::v1::Device> CachingRegistryBackend::Get(const config::v1::GetDeviceRequest& req,
                                                               const CallContext& call) {
  if (options_.ttl <= absl::ZeroDuration()) return inner_->Get(req, call);
  const std::string id = IdOf(req.name());
  uint64_t generation;
  {
    absl::MutexLock lock(&state_->mu);
    auto it = state_->entries.find(id);
    if (it != state_->entries.end() && clock_.Now() < it->second.expires) {
      ++state_->stats.hits;
      return it->second.device;
    }
    ++state_->stats.misses;
    generation = state_->generation;
  }
  absl::Time fetched = clock_.Now();
  absl::StatusOr<config::v1::Device> device = inner_->Get(req, call);
  if (device.ok()) {
    absl::MutexLock lock(&state_->mu);
    if (state_->generation == generation) {
      if (state_->entries.size() >= options_.max_entries) state_->entries.clear();
      state_->entries[id] = State::Entry{*device, fetched + TtlOf(id)};
    }
  }
  return device;
}

absl::StatusOr<config::v1::BatchGetDevicesResponse> CachingRegistryBackend::BatchGet(
    const config::v1::BatchGetDevicesRequest& req, const CallContext& call) {
  // Batches come from list-like pages where a second of staleness matters less than for a
  // single device, but they are rare next to Get: pass through and leave the cache alone.
  return inner_->BatchGet(req, call);
}

absl::StatusOr<config::v1::Device> CachingRegistryBackend::Create(const config::v1::CreateDeviceRequest& req,
                                                                  const CallContext& call) {
  auto out = inner_->Create(req, call);
  const std::string id = IdOf(req.device().id().empty() ? req.device().name() : req.device().id());
  state_->Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::Device> CachingRegistryBackend::Update(const config::v1::UpdateDeviceRequest& req,
                                                                  const CallContext& call) {
  auto out = inner_->Update(req, call);
  const std::string id = IdOf(req.device().name().empty() ? req.device().id() : req.device().name());
  state_->Invalidate(&id);
  return out;
}

absl::Status CachingRegistryBackend::Delete(const config::v1::DeleteDeviceRequest& req, const CallContext& call) {
  absl::Status out = inner_->Delete(req, call);
  const std::string id = IdOf(req.name());
  state_->Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::ImportDevicesResponse> CachingRegistryBackend::Import(
    const config::v1::ImportDevicesRequest& req, const CallContext& call) {
  auto out = inner_->Import(req, call);
  state_->Invalidate(nullptr);
  return out;
}

absl::StatusOr<config::v1::ListDevicesResponse> CachingRegistryBackend::List(
    const config::v1::ListDevicesRequest& req, const CallContext& call) {
  return inner_->List(req, call);
}

absl::Status CachingRegistryBackend::Ready() { return inner_->Ready(); }

RegistryCacheStats CachingRegistryBackend::stats() const {
  absl::MutexLock lock(&state_->mu);
  return state_->stats;
}

}  // namespace fleet::bff
