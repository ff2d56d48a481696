#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bff/call_context.h"
#include "bff/ttl_cache.h"

namespace fleet::bff {

struct CacheRefresherOptions {
  // How often queued keys are re-read: the longer, the larger (and fewer) the batches.
  absl::Duration interval = absl::Milliseconds(100);
  // Keys per call to the flush function.
  size_t max_batch = 100;
  // Keys queued beyond this are dropped (their entries expire and are read on a miss).
  size_t max_pending = 100'000;
};

// The context of a background re-read: not part of a request, its own id and a bound on its wait.
inline CallContext CacheRefreshCall() {
  return CallContext{.request_id = "cache-refresh", .deadline = absl::Now() + absl::Seconds(5)};
}

// Counters of a refresher (for metrics and tests).
struct CacheRefresherStats {
  int64_t queued = 0;
  int64_t dropped = 0;  // queue full
  int64_t batches = 0;  // flush calls
};

// The background half of a TtlCache's refresh-ahead: collects the keys its refresh sink hands
// over (Add) and, every interval, passes them on its own thread to flush() in batches of up to
// max_batch, so many keys due for a refresh cost one call to the service instead of one each.
// A key queued twice before a flush is flushed once. The destructor stops the thread; keys still
// queued are dropped. Thread-safe.
class CacheRefresher {
 public:
  using Flush = std::function<void(const std::vector<std::string>& keys)>;

  CacheRefresher(CacheRefresherOptions options, Flush flush);
  ~CacheRefresher();
  CacheRefresher(const CacheRefresher&) = delete;
  CacheRefresher& operator=(const CacheRefresher&) = delete;

  void Add(const std::string& key);
  CacheRefresherStats stats() const;

 private:
  void Loop();

  const CacheRefresherOptions options_;
  const Flush flush_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> pending_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  CacheRefresherStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Turns on `cache`'s refresh-ahead: keys its sink hands over are re-read by the returned
// refresher with batch_fetch (as TtlCache::Refresh takes it). The refresher must be destroyed
// before the cache and whatever batch_fetch uses.
template <typename V, typename BatchFetch>
std::unique_ptr<CacheRefresher> StartRefreshAhead(TtlCache<V>& cache, CacheRefresherOptions options,
                                                  BatchFetch batch_fetch) {
  auto refresher = std::make_unique<CacheRefresher>(
      options, [&cache, batch_fetch](const std::vector<std::string>& keys) { cache.Refresh(keys, batch_fetch); });
  cache.SetRefreshSink([r = refresher.get()](const std::string& key) { r->Add(key); });
  return refresher;
}

}  // namespace fleet::bff
