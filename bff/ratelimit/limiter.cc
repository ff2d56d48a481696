#include "bff/ratelimit/limiter.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace fleet::bff::ratelimit {

GcraWindow ToGcra(const Window& w) {
  const int64_t p = absl::ToInt64Microseconds(w.period);
  return {std::max<int64_t>(1, (p + w.limit - 1) / w.limit), p};
}

Decision Summarize(const std::vector<Window>& windows, const std::vector<int64_t>& delays, bool allowed,
                   int64_t retry_us) {
  Decision d;
  d.allowed = allowed;
  d.retry_after = absl::Microseconds(allowed ? 0 : std::max<int64_t>(retry_us, 1));
  bool first = true;
  for (size_t i = 0; i < windows.size() && i < delays.size(); ++i) {
    const GcraWindow g = ToGcra(windows[i]);
    const int64_t remaining = std::max<int64_t>(0, (g.period_us - delays[i]) / g.emission_us);
    const absl::Duration reset = absl::Microseconds(std::max<int64_t>(0, delays[i]));
    if (first || remaining < d.remaining || (remaining == d.remaining && reset > d.reset)) {
      d.limit = windows[i].limit;
      d.remaining = remaining;
      d.reset = reset;
      first = false;
    }
  }
  return d;
}

LocalLimiter::LocalLimiter(std::function<int64_t()> clock)
    : clock_(clock ? std::move(clock) : [] { return absl::ToUnixMicros(absl::Now()); }) {}

Decision LocalLimiter::Decide(const std::string& key, const std::vector<Window>& windows) {
  if (windows.empty()) return Decision{};
  Shard& s = shards_[absl::Hash<std::string>{}(key) % kShards];
  std::vector<std::string> names;
  for (const Window& w : windows) names.push_back(absl::StrCat(key, "|", absl::ToInt64Microseconds(w.period)));
  absl::MutexLock l(&s.mu);
  const int64_t now = clock_();
  // Sweep fully replenished entries at most once a second per shard.
  if (now - s.last_sweep > 1'000'000 && s.tat.size() > 1024) {
    absl::erase_if(s.tat, [now](const auto& kv) { return kv.second <= now; });
    s.last_sweep = now;
  }
  std::vector<int64_t> tats(windows.size());
  bool allowed = true;
  int64_t retry = 0;
  for (size_t i = 0; i < windows.size(); ++i) {
    const GcraWindow g = ToGcra(windows[i]);
    auto it = s.tat.find(names[i]);
    tats[i] = std::max(now, it == s.tat.end() ? now : it->second);
    const int64_t tolerance = g.period_us - g.emission_us;
    if (tats[i] - now > tolerance) {
      allowed = false;
      retry = std::max(retry, tats[i] - tolerance - now);
    }
  }
  std::vector<int64_t> delays(windows.size());
  for (size_t i = 0; i < windows.size(); ++i) {
    if (allowed) {
      tats[i] += ToGcra(windows[i]).emission_us;
      s.tat[names[i]] = tats[i];
    }
    delays[i] = tats[i] - now;
  }
  return Summarize(windows, delays, allowed, retry);
}

size_t LocalLimiter::EntriesForTest() {
  size_t n = 0;
  for (Shard& s : shards_) {
    absl::MutexLock l(&s.mu);
    n += s.tat.size();
  }
  return n;
}

}  // namespace fleet::bff::ratelimit
