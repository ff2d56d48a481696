#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

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
  // > 0: a hit on an entry with less than this left before its expiry is still served, and the
  // key is handed once to the refresh sink (SetRefreshSink), which re-reads it in the background
  // (in batches) and stores the answer through Refresh(): keys read often never miss on the
  // request path. Never lengthens an entry's life; keys not read within the window expire.
  absl::Duration refresh_ahead = absl::ZeroDuration();
};

// Counters of a cache (for metrics and tests).
struct TtlCacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t refreshed = 0;       // entries stored again by Refresh()
  int64_t refresh_failed = 0;  // keys a Refresh() could not re-read (entry kept until it expires)
  int64_t entries = 0;         // held now, expired ones and tombstones included
};

// A device's cache key: "devices/{id}" and a bare id name the same device.
inline std::string DeviceKey(const std::string& name) {
  return name.rfind("devices/", 0) == 0 ? name.substr(8) : name;
}

// The per-replica read cache behind the BFF's caching backends: values by string key, each
// served until its (jittered) expiry. Get() reads through: a miss asks the service and stores a
// successful answer, but only when its key was not invalidated meanwhile (by Invalidate() of that
// key or of all), so a read that started before a write never stores what it read; writes to
// other keys do not keep it from storing. Thread-safe.
template <typename V>
class TtlCache {
 public:
  TtlCache(TtlCacheOptions options, Clock& clock) : options_(options), clock_(clock) {}

  // The value of `key`: cached, or fetch() (absl::StatusOr<V>), stored when OK. With a TTL of 0,
  // always fetch(). Errors are never stored.
  template <typename Fetch>
  absl::StatusOr<V> Get(const std::string& key, Fetch fetch) {
    if (options_.ttl <= absl::ZeroDuration()) return fetch();
    uint64_t started;
    absl::Time fetched;
    {
      absl::ReleasableMutexLock lock(&mu_);
      auto it = entries_.find(key);
      const absl::Time now = clock_.Now();
      if (it != entries_.end() && now < it->second.expires) {
        ++stats_.hits;
        Entry& e = it->second;
        if (options_.refresh_ahead <= absl::ZeroDuration() || e.refresh_pending || !refresh_sink_ ||
            e.expires - now >= options_.refresh_ahead) {
          return e.value;
        }
        e.refresh_pending = true;
        V value = e.value;
        lock.Release();
        refresh_sink_(key);
        return value;
      }
      ++stats_.misses;
      ++reading_[key];
      started = seq_;
      fetched = now;
    }
    absl::StatusOr<V> value = fetch();
    absl::MutexLock lock(&mu_);
    if (value.ok() && MayStore(key, started)) Store(key, *value, fetched);
    EndRead(key);
    return value;
  }

  // Where keys due for a refresh go (see TtlCacheOptions::refresh_ahead). Called outside the
  // cache's lock, on the reading thread: it must be quick (e.g. queue the key). Set before use.
  void SetRefreshSink(std::function<void(const std::string&)> sink) { refresh_sink_ = std::move(sink); }

  // Re-reads `keys` (handed to the refresh sink) with fetch(keys), which returns the values it
  // found as absl::StatusOr<std::vector<std::pair<std::string, V>>>, and stores each one unless
  // its key was invalidated meanwhile. A key fetch leaves out, or an error, keeps its entry
  // until it expires (it may be handed to the sink again).
  template <typename BatchFetch>
  void Refresh(const std::vector<std::string>& keys, BatchFetch fetch) {
    if (keys.empty()) return;
    uint64_t started;
    absl::Time fetched;
    {
      absl::MutexLock lock(&mu_);
      for (const std::string& key : keys) ++reading_[key];
      started = seq_;
      fetched = clock_.Now();
    }
    auto values = fetch(keys);
    absl::MutexLock lock(&mu_);
    size_t stored = 0;
    if (values.ok()) {
      for (auto& [key, value] : *values) {
        // Only keys asked for: another key has no read in flight to guard it (see Invalidate).
        if (!reading_.contains(key) || !MayStore(key, started)) continue;
        Store(key, std::move(value), fetched);
        ++stored;
      }
    }
    stats_.refreshed += static_cast<int64_t>(stored);
    stats_.refresh_failed += static_cast<int64_t>(keys.size() - std::min(stored, keys.size()));
    // Keys not stored may be handed over again by a later hit.
    for (const std::string& key : keys) {
      auto it = entries_.find(key);
      if (it != entries_.end()) it->second.refresh_pending = false;
      EndRead(key);
    }
  }

  // After a write: drops the key's entry (every entry when key is null) and keeps reads of that
  // key (of every key) that started before the write from storing what they read. Reads of other
  // keys are not affected.
  void Invalidate(const std::string* key) {
    absl::MutexLock lock(&mu_);
    ++seq_;
    if (key == nullptr) {
      entries_.clear();
      cleared_seq_ = seq_;
    } else if (!reading_.contains(*key)) {
      entries_.erase(*key);  // no read of it in flight that could store what it read
    } else {
      // A tombstone while the key's reads are in flight: never served, remembers when the key
      // was invalidated; the last of those reads removes it (EndRead) unless one stored.
      Entry& e = entries_[*key];
      e.value = V();
      e.expires = absl::InfinitePast();
      e.refresh_pending = false;
      e.tombstone = true;
      e.invalidated_seq = seq_;
    }
  }

  TtlCacheStats stats() const {
    absl::MutexLock lock(&mu_);
    TtlCacheStats out = stats_;
    out.entries = static_cast<int64_t>(entries_.size());
    return out;
  }

 private:
  struct Entry {
    V value;
    absl::Time expires;            // fetched + TtlOf(key)
    bool refresh_pending = false;  // handed to the refresh sink, not yet refreshed
    uint64_t invalidated_seq = 0;  // seq_ of the key's last Invalidate while it was being read
    bool tombstone = false;        // no value: invalidated while being read
  };

  // The end of a read of `key` (after its store, if any).
  void EndRead(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto r = reading_.find(key);
    if (r == reading_.end() || --r->second > 0) return;
    reading_.erase(r);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.tombstone) entries_.erase(it);
  }

  // Whether a read of `key` that started at `started` (a seq_) may store what it read: not when
  // the key, or everything, was invalidated since.
  bool MayStore(const std::string& key, uint64_t started) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cleared_seq_ > started) return false;
    auto it = entries_.find(key);
    return it == entries_.end() || it->second.invalidated_seq <= started;
  }

  void Store(const std::string& key, V value, absl::Time fetched) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (entries_.size() >= options_.max_entries && !entries_.contains(key)) {
      entries_.clear();
      cleared_seq_ = ++seq_;  // forgets tombstones: reads in flight must not store either
    }
    Entry& e = entries_[key];  // keeps invalidated_seq: an older read still may not store
    e.value = std::move(value);
    e.expires = fetched + TtlOf(key);
    e.refresh_pending = false;
    e.tombstone = false;
  }

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
  // Bumped by every Invalidate(); reads note it when they start (see MayStore).
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t cleared_seq_ ABSL_GUARDED_BY(mu_) = 0;  // seq_ when every entry was last dropped
  // Reads in flight (Get misses, Refresh) per key; only these keys get tombstones.
  absl::flat_hash_map<std::string, int> reading_ ABSL_GUARDED_BY(mu_);
  TtlCacheStats stats_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&)> refresh_sink_;
};

}  // namespace fleet::bff
