#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"

namespace fleet::bff {

struct TtlCacheOptions {
  // How long a value read from a service may be served again without asking. Zero = no cache
  // (every read goes to the service).
  absl::Duration ttl = absl::ZeroDuration();
  // Bound on cached entries; reaching it empties the cache (cheap, and refilled by hot keys).
  size_t max_entries = 100'000;
  // 0..1: an entry lives ttl x (1 - ttl_jitter x u), u in [0, 1) fixed per key (a hash).
  // Entries filled together (a replica's start, a burst over many keys) then expire spread over
  // time instead of at once, which would send a wave of reads to the service and hold request
  // threads all together. Never makes an entry live longer than ttl.
  double ttl_jitter = 0;
};

// Counters of a cache (for metrics and tests).
struct TtlCacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
};

// A device's cache key: "devices/{id}" and a bare id name the same device.
inline std::string DeviceKey(const std::string& name) {
  return name.rfind("devices/", 0) == 0 ? name.substr(8) : name;
}

// The per-replica read cache behind the BFF's caching backends: values by string key, each
// served until its (jittered) expiry. Get() reads through: a miss asks the service and stores a
// successful answer, but only when no Invalidate() happened meanwhile, so a read that started
// before a write never stores what it read. Thread-safe.
template <typename V>
class TtlCache {
 public:
  TtlCache(TtlCacheOptions options, Clock& clock) : options_(options), clock_(clock) {}

  // The value of `key`: cached, or fetch() (absl::StatusOr<V>), stored when OK. With a TTL of 0,
  // always fetch(). Errors are never stored.
  template <typename Fetch>
  absl::StatusOr<V> Get(const std::string& key, Fetch fetch) {
    if (options_.ttl <= absl::ZeroDuration()) return fetch();
    uint64_t generation;
    absl::Time fetched;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it != entries_.end() && clock_.Now() < it->second.expires) {
        ++stats_.hits;
        return it->second.value;
      }
      ++stats_.misses;
      generation = generation_;
      fetched = clock_.Now();
    }
    absl::StatusOr<V> value = fetch();
    if (value.ok()) {
      const absl::Time expires = fetched + TtlOf(key);
      absl::MutexLock lock(&mu_);
      if (generation_ == generation) {
        if (entries_.size() >= options_.max_entries) entries_.clear();
        entries_[key] = Entry{*value, expires};
      }
    }
    return value;
  }

  // After a write: drops the key's entry (every entry when key is null) and keeps reads that
  // started before the write from storing what they read.
  void Invalidate(const std::string* key) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    if (key == nullptr) {
      entries_.clear();
    } else {
      entries_.erase(*key);
    }
  }

  TtlCacheStats stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

 private:
  struct Entry {
    V value;
    absl::Time expires;  // fetched + TtlOf(key)
  };

  absl::Duration TtlOf(const std::string& key) const {
    if (options_.ttl_jitter <= 0) return options_.ttl;
    // u in [0, 1) from the key's hash: the same key always gets the same share.
    const double u = static_cast<double>(absl::Hash<std::string>{}(key) % 1'000'000) / 1e6;
    return options_.ttl * (1 - std::min(options_.ttl_jitter, 1.0) * u);
  }

  const TtlCacheOptions options_;
  Clock& clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Bumped by every Invalidate(); a read that started under another generation does not store.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  TtlCacheStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::bff
