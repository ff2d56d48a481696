#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bff/cache_refresher.h"
#include "bff/presence_backend.h"
#include "bff/ttl_cache.h"
#include "libs/clock/clock.h"

namespace fleet::bff {

struct PresenceCacheOptions {
  // ttl = 0: nothing is cached and no watch is opened.
  TtlCacheOptions cache;
  // Waits between attempts to open the watch, doubling from retry_min up to retry_max.
  absl::Duration retry_min = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(5);
  // With cache.refresh_ahead > 0: how devices read near their entry's expiry are re-read in the
  // background (BatchGetPresence).
  CacheRefresherOptions refresher;
};

// A PresenceBackend that serves Get (one device's presence) from a per-replica cache, kept
// honest by a WatchPresence stream: every transition it delivers (online, offline) drops that
// device's entry, and each time the stream (re)opens every entry is dropped. So:
//  - a device's state is stale only for as long as its transition takes to reach the stream
//    (device-online's relay through Kafka; see WatchPresence), and never longer than the TTL;
//  - last_seen_time and the board parameters, which change without a transition, are at most
//    the TTL old;
//  - while the stream is not open (device-online unreachable, or not yet acknowledged), nothing
//    is served from the cache: every Get goes to device-online, as without a cache.
// Only successful reads are stored, and a read that started before a transition of its device
// (or a reopening of the stream) was applied does not store what it read. Every other call passes
// through. Thread-safe; the destructor stops the watch.
class CachingPresenceBackend : public PresenceBackend {
 public:
  CachingPresenceBackend(std::unique_ptr<PresenceBackend> inner, PresenceCacheOptions options, Clock& clock);
  ~CachingPresenceBackend() override;

  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext&) override;
  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext&) override;
  absl::StatusOr<presence::v1::ListPresenceResponse> List(const presence::v1::ListPresenceRequest& req,
                                                          const CallContext&) override;
  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext&) override;
  std::unique_ptr<PresenceWatch> Watch() override;
  absl::Status Ready() override;

  // True while the watch is open (and so the cache is in use).
  bool watching() const { return watching_.load(); }
  // Times the watch was opened.
  int64_t watch_opens() const { return opens_.load(); }
  TtlCacheStats stats() const { return cache_.stats(); }
  // Null when refresh-ahead is off.
  const CacheRefresher* refresher() const { return refresher_.get(); }

 private:
  void WatchLoop();

  std::unique_ptr<PresenceBackend> inner_;
  const PresenceCacheOptions options_;
  TtlCache<presence::v1::Presence> cache_;
  std::atomic<bool> watching_{false};
  std::atomic<int64_t> opens_{0};
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  PresenceWatch* current_ ABSL_GUARDED_BY(mu_) = nullptr;  // the stream being opened or read
  std::thread thread_;
  std::unique_ptr<CacheRefresher> refresher_;  // last: stopped before what it uses
};

}  // namespace fleet::bff
