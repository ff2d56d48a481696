#include "bff/registry_cache.h"

#include <string>
#include <utility>
#include <vector>

namespace fleet::bff {

CachingRegistryBackend::CachingRegistryBackend(std::unique_ptr<RegistryBackend> inner,
                                               RegistryCacheOptions options, Clock& clock,
                                               CacheRefresherOptions refresher)
    : inner_(std::move(inner)), cache_(options, clock) {
  if (options.ttl <= absl::ZeroDuration() || options.refresh_ahead <= absl::ZeroDuration()) return;
  refresher_ = StartRefreshAhead(
      cache_, refresher,
      [this](const std::vector<std::string>& ids)
          -> absl::StatusOr<std::vector<std::pair<std::string, config::v1::Device>>> {
        config::v1::BatchGetDevicesRequest req;
        for (const std::string& id : ids) req.add_names(id);
        absl::StatusOr<config::v1::BatchGetDevicesResponse> resp = inner_->BatchGet(req, CacheRefreshCall());
        if (!resp.ok()) return resp.status();
        std::vector<std::pair<std::string, config::v1::Device>> out;
        out.reserve(resp->devices_size());
        for (config::v1::Device& d : *resp->mutable_devices()) out.emplace_back(d.id(), std::move(d));
        return out;
      });
}

absl::StatusOr<config::v1::Device> CachingRegistryBackend::Get(const config::v1::GetDeviceRequest& req,
                                                               const CallContext& call) {
  return cache_.Get(DeviceKey(req.name()), [&] { return inner_->Get(req, call); });
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
  const std::string id = DeviceKey(req.device().id().empty() ? req.device().name() : req.device().id());
  cache_.Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::Device> CachingRegistryBackend::Update(const config::v1::UpdateDeviceRequest& req,
                                                                  const CallContext& call) {
  auto out = inner_->Update(req, call);
  const std::string id = DeviceKey(req.device().name().empty() ? req.device().id() : req.device().name());
  cache_.Invalidate(&id);
  return out;
}

absl::Status CachingRegistryBackend::Delete(const config::v1::DeleteDeviceRequest& req, const CallContext& call) {
  absl::Status out = inner_->Delete(req, call);
  const std::string id = DeviceKey(req.name());
  cache_.Invalidate(&id);
  return out;
}

absl::StatusOr<config::v1::ImportDevicesResponse> CachingRegistryBackend::Import(
    const config::v1::ImportDevicesRequest& req, const CallContext& call) {
  auto out = inner_->Import(req, call);
  cache_.Invalidate(nullptr);
  return out;
}

absl::StatusOr<config::v1::ListDevicesResponse> CachingRegistryBackend::List(
    const config::v1::ListDevicesRequest& req, const CallContext& call) {
  return inner_->List(req, call);
}

absl::Status CachingRegistryBackend::Ready() { return inner_->Ready(); }

RegistryCacheStats CachingRegistryBackend::stats() const { return cache_.stats(); }

}  // namespace fleet::bff
