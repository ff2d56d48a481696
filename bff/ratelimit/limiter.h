#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bff/ratelimit/windows.h"

namespace fleet::bff::ratelimit {

// The outcome of one request against all windows of a key.
struct Decision {
  bool allowed = true;
  absl::Duration retry_after;  // when !allowed: the earliest time a retry can pass
  // The most constraining window, for the RateLimit-Limit / -Remaining / -Reset headers.
  int64_t limit = 0;
  int64_t remaining = 0;
  absl::Duration reset;  // until that window is fully replenished
};

// Decides whether one more request of `key` fits in every window (GCRA per window: a burst of
// up to `limit`, then one every period/limit). All windows are decided together: either all
// admit and consume, or none consumes. Thread-safe.
class Limiter {
 public:
  virtual ~Limiter() = default;
  virtual Decision Decide(const std::string& key, const std::vector<Window>& windows) = 0;
};

// GCRA arithmetic shared by the in-process and the Redis limiter (the Lua script mirrors it).
// Times in microseconds.
struct GcraWindow {
  int64_t emission_us;  // T = ceil(period / limit)
  int64_t period_us;    // P; burst tolerance is P - T, so never more than `limit` in a burst
};
GcraWindow ToGcra(const Window& w);
// `delays[i]` = TAT_i - now after the decision (after consuming when allowed).
Decision Summarize(const std::vector<Window>& windows, const std::vector<int64_t>& delays, bool allowed,
                   int64_t retry_us);

// In-process limiter (one replica's view). Also the fallback of RedisLimiter. Memory: one
// entry per (key, window) that is not fully replenished; idle entries are swept lazily.
class LocalLimiter : public Limiter {
 public:
  // `clock` in microseconds since any epoch (tests inject a fake).
  explicit LocalLimiter(std::function<int64_t()> clock = nullptr);
  Decision Decide(const std::string& key, const std::vector<Window>& windows) override;
  size_t EntriesForTest();

 private:
  static constexpr int kShards = 16;
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, int64_t> tat ABSL_GUARDED_BY(mu);
    int64_t last_sweep ABSL_GUARDED_BY(mu) = 0;
  };
  std::function<int64_t()> clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace fleet::bff::ratelimit
