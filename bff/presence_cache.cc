#include "bff/presence_cache.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "libs/log/log.h"

namespace fleet::bff {
namespace {

// The device id in "devices/{id}/presence" or a bare id; empty when `name` is neither.
std::string DeviceIdOf(absl::string_view name) {
  if (absl::ConsumePrefix(&name, "devices/") && !absl::ConsumeSuffix(&name, "/presence")) return "";
  if (name.empty() || name.find('/') != absl::string_view::npos) return "";
  return std::string(name);
}

}  // namespace

CachingPresenceBackend::CachingPresenceBackend(std::unique_ptr<PresenceBackend> inner, PresenceCacheOptions options,
                                               Clock& clock)
    : inner_(std::move(inner)), options_(options), cache_(options.cache, clock) {
  if (options_.cache.ttl <= absl::ZeroDuration()) return;
  if (options_.cache.refresh_ahead > absl::ZeroDuration()) {
    refresher_ = StartRefreshAhead(
        cache_, options_.refresher,
        [this](const std::vector<std::string>& ids)
            -> absl::StatusOr<std::vector<std::pair<std::string, presence::v1::Presence>>> {
          // Entries are served only while watching; nothing to keep fresh otherwise.
          if (!watching_.load()) return absl::FailedPreconditionError("presence watch not open");
          presence::v1::BatchGetPresenceRequest req;
          for (const std::string& id : ids) req.add_device_ids(id);
          absl::StatusOr<presence::v1::BatchGetPresenceResponse> resp = inner_->BatchGet(req, CacheRefreshCall());
          if (!resp.ok()) return resp.status();
          std::vector<std::pair<std::string, presence::v1::Presence>> out;
          out.reserve(resp->presences_size());
          for (presence::v1::Presence& p : *resp->mutable_presences()) out.emplace_back(p.device_id(), std::move(p));
          return out;
        });
  }
  thread_ = std::thread([this] { WatchLoop(); });
}

CachingPresenceBackend::~CachingPresenceBackend() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (current_ != nullptr) current_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<presence::v1::Presence> CachingPresenceBackend::Get(const std::string& name, const CallContext& call) {
  const std::string id = DeviceIdOf(name);
  // A name the service would refuse is its to answer, never cached.
  if (!watching_.load() || id.empty()) return inner_->Get(name, call);
  return cache_.Get(id, [&] { return inner_->Get(name, call); });
}

void CachingPresenceBackend::WatchLoop() {
  absl::Duration retry = options_.retry_min;
  while (true) {
    std::unique_ptr<PresenceWatch> watch = inner_->Watch();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      current_ = watch.get();
    }
    absl::Status st = watch->WaitOpen();
    if (st.ok()) {
      // Anything cached may have missed transitions while there was no stream.
      cache_.Invalidate(nullptr);
      watching_ = true;
      ++opens_;
      retry = options_.retry_min;
      log::Info("presence cache: watching presence transitions", {});
      presence::v1::PresenceTransition t;
      while (watch->Next(&t)) cache_.Invalidate(&t.device_id());
      watching_ = false;
      st = watch->Finish();
    }
    {
      absl::MutexLock lock(&mu_);
      current_ = nullptr;
      if (stop_) return;
    }
    watch.reset();
    log::WarnEvery("presence-cache-watch", absl::Seconds(10),
                   "presence cache: presence watch ended; presence reads go to device-online until it reopens",
                   {{"error", st.message()}, {"code", absl::StatusCodeToString(st.code())}});
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), retry);
    if (stop_) return;
    retry = std::min(retry * 2, options_.retry_max);
  }
}

absl::StatusOr<presence::v1::BatchGetPresenceResponse> CachingPresenceBackend::BatchGet(
    const presence::v1::BatchGetPresenceRequest& req, const CallContext& call) {
  return inner_->BatchGet(req, call);
}

absl::StatusOr<presence::v1::ListPresenceResponse> CachingPresenceBackend::List(
    const presence::v1::ListPresenceRequest& req, const CallContext& call) {
  return inner_->List(req, call);
}

absl::StatusOr<presence::v1::ListPresenceHistoryResponse> CachingPresenceBackend::ListHistory(
    const presence::v1::ListPresenceHistoryRequest& req, const CallContext& call) {
  return inner_->ListHistory(req, call);
}

std::unique_ptr<PresenceWatch> CachingPresenceBackend::Watch() { return inner_->Watch(); }

absl::Status CachingPresenceBackend::Ready() { return inner_->Ready(); }

}  // namespace fleet::bff
