#include "bff/ratelimit/redis_limiter.h"

#include "absl/strings/str_cat.h"
#include "libs/log/log.h"

namespace fleet::bff::ratelimit {
namespace {

// KEYS[i]: one per window. ARGV[2i-1] = emission interval T (µs), ARGV[2i] = period P (µs).
// Returns {allowed 0/1, retry_after µs, TAT_1 - now, ..., TAT_n - now} (after consuming when
// allowed). Burst tolerance is P - T.
constexpr char kLua[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local tats = {}
local ok = 1
local retry = 0
for i = 1, n do
  local e = tonumber(ARGV[2 * i - 1])
  local p = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  if tat < now then tat = now end
  tats[i] = tat
  if tat - now > p - e then
    ok = 0
    local r = tat - (p - e) - now
    if r > retry then retry = r end
  end
end
local out = {ok, retry}
for i = 1, n do
  local e = tonumber(ARGV[2 * i - 1])
  local tat = tats[i]
  if ok == 1 then
    tat = tat + e
    redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
  end
  out[#out + 1] = tat - now
end
return out
)lua";

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

}  // namespace

const std::string& GcraScript() {
  static const std::string* s = new std::string(kLua);
  return *s;
}

RedisLimiter::RedisLimiter(redis::Options options, prometheus::Registry& registry, absl::Duration retry_interval)
    : options_(std::move(options)),
      script_(GcraScript()),
      retry_interval_(retry_interval),
      fallback_(prometheus::BuildCounter()
                    .Name("bff_ratelimit_fallback_total")
                    .Help("Rate limit decisions made in-process because Redis was unavailable")
                    .Register(registry)
                    .Add({})),
      redis_errors_(prometheus::BuildCounter()
                        .Name("bff_ratelimit_redis_errors_total")
                        .Help("Failed rate limit calls to Redis")
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
    absl::StatusOr<redis::Reply> r = batcher->Eval(call);
    if (r.ok() && r->type() == redis::Reply::Type::kArray && r->elements().size() == 2 + windows.size()) {
      const auto& e = r->elements();
      std::vector<int64_t> delays;
      for (size_t i = 2; i < e.size(); ++i) delays.push_back(e[i].integer());
      if (probe) {
        degraded_.store(false, std::memory_order_relaxed);
        probing_.store(false, std::memory_order_release);
        log::Info("rate limiting uses Redis again", {});
      }
      return Summarize(windows, delays, e[0].integer() == 1, e[1].integer());
    }
    Failed(r.ok() ? absl::StrCat("unexpected reply ", r->DebugString())
                  : std::string(r.status().message().data(), r.status().message().size()));
  }
  if (probe) probing_.store(false, std::memory_order_release);
  fallback_.Increment();
  return local_.Decide(key, windows);
}

}  // namespace fleet::bff::ratelimit
