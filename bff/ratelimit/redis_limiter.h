#pragma once

#include <array>
#include <atomic>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "bff/ratelimit/limiter.h"
#include "libs/redis/batcher.h"
#include "libs/redis/client.h"
#include "libs/redis/script.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace fleet::bff::ratelimit {

// Slot leases of RedisLimiter (see there).
struct LeaseOptions {
  int64_t max_slots = 1;  // 1 = no leases
  absl::Duration ttl = absl::Milliseconds(20);
};

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
//
// SLOT LEASES (opt-in, LeaseOptions::max_slots > 1): a replica may take several slots of a busy
// key in one call (still one atomic EVALSHA: Redis grants up to n slots, as many as fit in every
// window) and admit that key's next requests itself, without Redis, until the lease expires
// (LeaseOptions::ttl, counted from when the slots were charged). Slots are charged before they
// are used, so a key is never granted more than its limit cluster-wide; a slot may be spent up to
// ttl after it was charged, so admissions can run ahead of GCRA's pacing by at most
// limit x ttl / period per window (+2 for 100/1s with 20 ms). The price is under-admission: slots
// a replica leased and did not use before the lease expired are lost (not returned). Sizing:
//  - one thread refills a key's lease at a time; the others wait for it and take slots from it
//    (when it asks for one slot only, they decide one slot each with Redis instead of waiting);
//  - sizes start at 1 (an exact decision per request), double while each lease is used up before
//    it expires, halve when one lapses with slots left, return to 1 after a key was idle for a
//    lease time, and stay at most max_slots and an eighth of the smallest window's limit (limits
//    under 16 never lease);
//  - a refusal or a partial grant (the key is near its limit) stops growth for a lease time.
// So a key sending less than about one request per ttl to a replica never leases, and a busy key
// loses at most the unused part of one lease (< 2 x its rate x ttl) per replica when it slows.
// RateLimit-* values of decisions served from a lease are those of the refill (other replicas'
// use since then is not seen). Off by default: every decision is then one EVALSHA.
//
// Thread-safe.
class RedisLimiter : public Limiter {
 public:
  // Connects lazily (and again until it succeeds); keep `options` timeouts short (e.g. 100 ms):
  // they bound the latency a Redis outage adds to one request per retry_interval.
  RedisLimiter(redis::Options options, prometheus::Registry& registry,
               absl::Duration retry_interval = absl::Seconds(1), LeaseOptions lease = {});
  Decision Decide(const std::string& key, const std::vector<Window>& windows) override;

  // Decisions sent to Redis, and the round trips that carried them.
  redis::ScriptBatcher::Stats BatchStats();

 private:
  // The batcher over the client, connecting first if needed; nullptr when Redis cannot be
  // reached now (or another thread is connecting).
  redis::ScriptBatcher* Batcher();
  void Failed(const std::string& error);
  // Up to `cost` slots decided by Redis (from_redis), or one slot by the local fallback when
  // Redis cannot answer. `granted` = slots consumed (0 when refused).
  struct Answer {
    Decision decision;
    bool from_redis = false;
    int64_t granted = 0;
  };
  Answer Ask(const std::string& key, const std::vector<Window>& windows, int64_t cost);

  struct Lease {
    std::vector<Window> windows;  // a key's windows changed = a new lease
    int64_t slots = 0;            // charged in Redis, not used yet
    int64_t size = 0;             // slots asked for last time (0 = never)
    int64_t expires_us = 0;
    int64_t exact_until_us = 0;   // after a refusal or partial grant: leases do not grow before this
    int64_t refilling = 0;        // slots a thread is asking Redis for (0 = none)
    Decision last;                // Redis's answer to the last lease (for the RateLimit-* headers)
  };
  static constexpr int kLeaseShards = 16;
  struct LeaseShard {
    absl::Mutex mu;
    absl::CondVar refilled;  // a refill of one of the shard's keys finished
    absl::flat_hash_map<std::string, Lease> leases ABSL_GUARDED_BY(mu);
    int64_t last_sweep ABSL_GUARDED_BY(mu) = 0;
  };

  const redis::Options options_;
  absl::Mutex connect_mu_;
  const redis::Script script_;
  std::unique_ptr<redis::Client> owned_ ABSL_GUARDED_BY(connect_mu_);
  std::unique_ptr<redis::ScriptBatcher> batcher_owned_ ABSL_GUARDED_BY(connect_mu_);
  std::atomic<redis::ScriptBatcher*> batcher_{nullptr};
  const absl::Duration retry_interval_;
  const LeaseOptions lease_;
  std::array<LeaseShard, kLeaseShards> lease_shards_;
  LocalLimiter local_;
  std::atomic<int64_t> skip_until_us_{0};
  // After a failure only one request at a time probes Redis; the others decide locally.
  std::atomic<bool> degraded_{false};
  std::atomic<bool> probing_{false};
  prometheus::Counter& fallback_;
  prometheus::Counter& redis_errors_;
  prometheus::Counter& leased_;
};

// The Lua source of the decision script (exposed for tests).
const std::string& GcraScript();

}  // namespace fleet::bff::ratelimit
