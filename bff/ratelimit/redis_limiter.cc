#include "bff/ratelimit/redis_limiter.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "libs/log/log.h"

namespace fleet::bff::ratelimit {
namespace {

// KEYS[i]: one per window. ARGV[2i-1] = emission interval T (µs), ARGV[2i] = period P (µs);
// ARGV[2n+1] = cost c, the most slots wanted at once (absent = 1). Grants g = min(c, the slots
// that fit in every window now): a window fits k more while TAT - now <= P - k*T. Returns
// {allowed 0/1, retry_after µs, TAT_1 - now, ..., TAT_n - now, g} (after consuming g slots in
// every window when allowed, i.e. when g >= 1). Burst tolerance is P - T.
constexpr char kLua[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local grant = tonumber(ARGV[2 * n + 1] or '1') or 1
local tats = {}
local retry = 0
for i = 1, n do
  local e = tonumber(ARGV[2 * i - 1])
  local p = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  if tat < now then tat = now end
  tats[i] = tat
  local fit = math.floor((p - (tat - now)) / e)
  if fit < grant then grant = fit end
  if tat - now > p - e then
    local r = tat - (p - e) - now
    if r > retry then retry = r end
  end
end
local ok = 0
if grant >= 1 then ok = 1 else grant = 0 end
local out = {ok, retry}
for i = 1, n do
  local e = tonumber(ARGV[2 * i - 1])
  local tat = tats[i]
  if ok == 1 then
    tat = tat + e * grant
    redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
  end
  out[#out + 1] = tat - now
end
out[#out + 1] = grant
return out
)lua";

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// A decision as seen by a replica holding `leased` unused slots of the key: they count as remaining.
Decision WithLeasedSlots(Decision d, int64_t leased) {
  d.remaining = std::min<int64_t>(d.limit, d.remaining + leased);
  return d;
}

}  // namespace

const std::string& GcraScript() {
  static const std::string* s = new std::string(kLua);
  return *s;
}

RedisLimiter::RedisLimiter(redis::Options options, prometheus::Registry& registry, absl::Duration retry_interval,
                           LeaseOptions lease)
    : options_(std::move(options)),
      script_(GcraScript()),
      retry_interval_(retry_interval),
      lease_{lease.max_slots, std::clamp(lease.ttl, absl::Milliseconds(1), absl::Seconds(10))},
      fallback_(prometheus::BuildCounter()
                    .Name("bff_ratelimit_fallback_total")
                    .Help("Rate limit decisions made in-process because Redis was unavailable")
                    .Register(registry)
                    .Add({})),
      redis_errors_(prometheus::BuildCounter()
                        .Name("bff_ratelimit_redis_errors_total")
                        .Help("Failed rate limit calls to Redis")
                        .Register(registry)
                        .Add({})),
      leased_(prometheus::BuildCounter()
                  .Name("bff_ratelimit_leased_total")
                  .Help("Rate limit decisions served from a slot lease held by this replica (no Redis call)")
                  .Register(registry)
                  .Add({})) {
  Batcher();  // connect now when Redis is up, so the first requests do not race the connect
}

redis::ScriptBatcher::Stats RedisLimiter::BatchStats() {
  redis::ScriptBatcher* b = batcher_.load(std::memory_order_acquire);
  return b != nullptr ? b->stats() : redis::ScriptBatcher::Stats{};
}

redis::ScriptBatcher* RedisLimiter::Batcher() {
  if (redis::ScriptBatcher* b = batcher_.load(std::memory_order_acquire)) return b;
  if (!connect_mu_.TryLock()) return nullptr;
  redis::ScriptBatcher* out = batcher_owned_.get();
  if (out == nullptr) {
    absl::StatusOr<std::unique_ptr<redis::Client>> c = redis::Client::Connect(options_);
    if (c.ok()) {
      owned_ = std::move(*c);
      batcher_owned_ = std::make_unique<redis::ScriptBatcher>(*owned_, script_);
      out = batcher_owned_.get();
      batcher_.store(out, std::memory_order_release);
      log::Info("rate limiting uses Redis", {{"redis", absl::StrCat(options_.host, ":", options_.port)}});
    } else {
      Failed(std::string(c.status().message().data(), c.status().message().size()));
    }
  }
  connect_mu_.Unlock();
  return out;
}

void RedisLimiter::Failed(const std::string& error) {
  redis_errors_.Increment();
  degraded_.store(true, std::memory_order_relaxed);
  skip_until_us_.store(NowMicros() + absl::ToInt64Microseconds(retry_interval_), std::memory_order_relaxed);
  log::WarnEvery("ratelimit.redis", absl::Seconds(10),
                 "rate limiting falls back to in-process limits: Redis failed",
                 {{"error", error}, {"redis", absl::StrCat(options_.host, ":", options_.port)}});
}

Decision RedisLimiter::Decide(const std::string& key, const std::vector<Window>& windows) {
  if (windows.empty()) return Decision{};
  int64_t min_limit = windows[0].limit;
  for (const Window& w : windows) min_limit = std::min(min_limit, w.limit);
  // One replica never leases more than an eighth of a window's budget; small limits never lease.
  const int64_t cap = std::min<int64_t>(lease_.max_slots, min_limit / 8);
  if (cap <= 1) return Ask(key, windows, 1).decision;
  const int64_t ttl_us = absl::ToInt64Microseconds(lease_.ttl);
  LeaseShard& shard = lease_shards_[absl::Hash<std::string>{}(key) % kLeaseShards];
  int64_t size = 0;  // slots this thread asks Redis for; 0 = decide this request alone
  {
    absl::MutexLock l(&shard.mu);
    for (;;) {
      const int64_t now = NowMicros();
      if (now - shard.last_sweep > 1'000'000 && shard.leases.size() > 1024) {
        absl::erase_if(shard.leases,
                       [now](const auto& kv) { return kv.second.expires_us <= now && kv.second.refilling == 0; });
        shard.last_sweep = now;
      }
      Lease& lease = shard.leases[key];
      if (lease.windows != windows) lease = Lease{.windows = windows};
      if (lease.slots > 0 && now < lease.expires_us) {
        --lease.slots;
        leased_.Increment();
        return WithLeasedSlots(lease.last, lease.slots);
      }
      if (lease.refilling == 0) {  // this thread refills
        // Slow start: a lease used up before it expired doubles the next one (not right after a
        // refusal); one that lapsed with slots left halves it; an idle key starts again at 1.
        if (lease.size == 0 || now >= lease.expires_us + ttl_us) {
          lease.size = 1;
        } else if (lease.slots == 0 && now < lease.expires_us) {
          if (now >= lease.exact_until_us) lease.size *= 2;
        } else if (lease.slots > 0) {
          lease.size /= 2;
        }
        lease.size = std::clamp<int64_t>(lease.size, 1, cap);
        size = lease.refilling = lease.size;
        break;
      }
      // Another thread is asking Redis for this key's next lease. For more than one slot, wait
      // for it (at most the Redis command timeout) and take a slot from it; otherwise (a key at
      // its limit) decide this request alone at once, so that a flood is never serialized.
      if (lease.refilling == 1 || shard.refilled.WaitWithTimeout(&shard.mu, options_.command_timeout)) break;
    }
  }
  if (size == 0) return Ask(key, windows, 1).decision;
  const int64_t asked_at = NowMicros();
  Answer a = Ask(key, windows, size);
  absl::MutexLock l(&shard.mu);
  Lease& lease = shard.leases[key];
  lease.refilling = 0;
  shard.refilled.SignalAll();
  if (!a.from_redis) return a.decision;  // Redis failed: the fallback decided; the lease is unchanged
  if (a.granted < size) {
    // Refused, or fewer slots than asked: the key is near its limit. Exact decisions for a while.
    lease.size = std::max<int64_t>(1, a.granted);
    lease.exact_until_us = asked_at + ttl_us;
  }
  if (!a.decision.allowed) return a.decision;
  if (lease.windows != windows) lease = Lease{.windows = windows};
  // The granted slots were charged at asked_at at the latest: they lapse ttl after that.
  lease.slots = a.granted - 1;
  lease.expires_us = asked_at + ttl_us;
  lease.last = a.decision;
  return WithLeasedSlots(a.decision, lease.slots);
}

RedisLimiter::Answer RedisLimiter::Ask(const std::string& key, const std::vector<Window>& windows,
                                      int64_t cost) {
  bool probe = false;
  redis::ScriptBatcher* batcher = nullptr;
  if (!degraded_.load(std::memory_order_relaxed)) {
    batcher = Batcher();
  } else if (NowMicros() >= skip_until_us_.load(std::memory_order_relaxed) &&
             !probing_.exchange(true, std::memory_order_acq_rel)) {
    probe = true;
    batcher = Batcher();
  }
  if (batcher != nullptr) {
    redis::EvalCall call;
    for (const Window& w : windows) {
      const GcraWindow g = ToGcra(w);
      call.first.push_back(absl::StrCat("rl:{", key, "}:", g.period_us));
      call.second.push_back(absl::StrCat(g.emission_us));
      call.second.push_back(absl::StrCat(g.period_us));
    }
    if (cost != 1) call.second.push_back(absl::StrCat(cost));
    absl::StatusOr<redis::Reply> r = batcher->Eval(call);
    if (r.ok() && r->type() == redis::Reply::Type::kArray && r->elements().size() == 3 + windows.size()) {
      const auto& e = r->elements();
      std::vector<int64_t> delays;
      for (size_t i = 2; i < 2 + windows.size(); ++i) delays.push_back(e[i].integer());
      if (probe) {
        degraded_.store(false, std::memory_order_relaxed);
        probing_.store(false, std::memory_order_release);
        log::Info("rate limiting uses Redis again", {});
      }
      return {Summarize(windows, delays, e[0].integer() == 1, e[1].integer()), true, e.back().integer()};
    }
    Failed(r.ok() ? absl::StrCat("unexpected reply ", r->DebugString())
                  : std::string(r.status().message().data(), r.status().message().size()));
  }
  if (probe) probing_.store(false, std::memory_order_release);
  fallback_.Increment();
  Decision d = local_.Decide(key, windows);
  return {d, false, d.allowed ? 1 : 0};
}

}  // namespace fleet::bff::ratelimit
