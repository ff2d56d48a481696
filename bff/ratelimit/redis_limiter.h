#pragma once

#include <atomic>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "bff/ratelimit/limiter.h"
#include "libs/redis/batcher.h"
#include "libs/redis/client.h"
#include "libs/redis/script.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace fleet::bff::ratelimit {

// Cluster-wide limiter: one EVALSHA per decision runs GCRA for all windows of the key inside
// Redis (server clock from TIME, so replicas need no synchronized clocks), admitting and
// consuming in all windows or in none. Keys: "rl:{<key>}:<period µs>" (one hash slot per key),
// expiring when fully replenished.
//
// Decisions made at the same time by different request threads are pipelined together
// (redis::ScriptBatcher: up to 256 per round trip, 2 round trips in flight), so under load a
// decision costs a share of a round trip instead of a whole one, and nothing waits when idle.
//
// DEGRADED MODE: when Redis fails (unreachable, also at startup; timeout; script error) the
// decision is made by an in-process LocalLimiter instead, and Redis is not tried again for
// `retry_interval`, so an outage costs at most one command (or connect) timeout per interval. Each replica then limits on its own:
// a key may get up to (replicas x limit) cluster-wide until Redis is back. Every fallback
// decision increments bff_ratelimit_fallback_total and is logged at warn once per 10 s.
// Thread-safe.
class RedisLimiter : public Limiter {
 public:
  // Connects lazily (and again until it succeeds); keep `options` timeouts short (e.g. 100 ms):
  // they bound the latency a Redis outage adds to one request per retry_interval.
  RedisLimiter(redis::Options options, prometheus::Registry& registry,
               absl::Duration retry_interval = absl::Seconds(1));
  Decision Decide(const std::string& key, const std::vector<Window>& windows) override;

  // Decisions sent to Redis, and the round trips that carried them.
  redis::ScriptBatcher::Stats BatchStats();

 private:
  // The batcher over the client, connecting first if needed; nullptr when Redis cannot be
  // reached now (or another thread is connecting).
  redis::ScriptBatcher* Batcher();
  void Failed(const std::string& error);

  const redis::Options options_;
  absl::Mutex connect_mu_;
  const redis::Script script_;
  std::unique_ptr<redis::Client> owned_ ABSL_GUARDED_BY(connect_mu_);
  std::unique_ptr<redis::ScriptBatcher> batcher_owned_ ABSL_GUARDED_BY(connect_mu_);
  std::atomic<redis::ScriptBatcher*> batcher_{nullptr};
  const absl::Duration retry_interval_;
  LocalLimiter local_;
  std::atomic<int64_t> skip_until_us_{0};
  // After a failure only one request at a time probes Redis; the others decide locally.
  std::atomic<bool> degraded_{false};
  std::atomic<bool> probing_{false};
  prometheus::Counter& fallback_;
  prometheus::Counter& redis_errors_;
};

// The Lua source of the decision script (exposed for tests).
const std::string& GcraScript();

}  // namespace fleet::bff::ratelimit
