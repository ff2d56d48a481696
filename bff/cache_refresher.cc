#include "bff/cache_refresher.h"

#include <algorithm>
#include <utility>

namespace fleet::bff {

CacheRefresher::CacheRefresher(CacheRefresherOptions options, Flush flush)
    : options_(options), flush_(std::move(flush)) {
  thread_ = std::thread([this] { Loop(); });
}

CacheRefresher::~CacheRefresher() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void CacheRefresher::Add(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (pending_.size() >= options_.max_pending) {
    ++stats_.dropped;
    return;
  }
  if (pending_.insert(key).second) ++stats_.queued;
}

CacheRefresherStats CacheRefresher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void CacheRefresher::Loop() {
  const size_t max_batch = std::max<size_t>(options_.max_batch, 1);
  while (true) {
    std::vector<std::string> keys;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.interval);
      if (stop_) return;
      keys.assign(pending_.begin(), pending_.end());
      pending_.clear();
      stats_.batches += static_cast<int64_t>((keys.size() + max_batch - 1) / max_batch);
    }
    for (size_t i = 0; i < keys.size(); i += max_batch) {
      std::vector<std::string> batch(keys.begin() + i, keys.begin() + std::min(keys.size(), i + max_batch));
      flush_(batch);
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
  }
}

}  // namespace fleet::bff
