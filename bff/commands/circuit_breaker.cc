#include "bff/commands/circuit_breaker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::bff::commands {

CircuitBreaker::Entry& CircuitBreaker::Touch(const std::string& key) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (entries_.size() >= options_.max_keys && !lru_.empty()) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  Entry& e = entries_[key];
  e.lru = lru_.begin();
  return e;
}

absl::Status CircuitBreaker::Allow(const std::string& key, absl::Time now) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.failures < options_.failure_threshold) return absl::OkStatus();
  Entry& e = Touch(key);
  if (now >= e.open_until && !e.probing) {
    e.probing = true;  // half-open: this call is the probe
    return absl::OkStatus();
  }
  const absl::Duration wait = std::max(e.open_until - now, absl::Seconds(1));
  return status::MakeError(absl::StatusCode::kUnavailable, "CIRCUIT_OPEN",
                           absl::StrCat("commands to ", key, " failed ", e.failures,
                                        " times in a row; they are paused for ",
                                        absl::FormatDuration(absl::Seconds(absl::ToInt64Seconds(wait + absl::Milliseconds(999))))),
                           {{"device_id", key}, {"retry_after_seconds", absl::StrCat(absl::ToInt64Seconds(wait + absl::Milliseconds(999)))}});
}

void CircuitBreaker::Record(const std::string& key, bool success, absl::Time now) {
  absl::MutexLock l(&mu_);
  if (success) {
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      lru_.erase(it->second.lru);
      entries_.erase(it);
    }
    return;
  }
  Entry& e = Touch(key);
  ++e.failures;
  if (e.failures >= options_.failure_threshold) {
    e.open_until = now + options_.open_for;
    e.probing = false;
  }
}

size_t CircuitBreaker::size() const {
  absl::MutexLock l(&mu_);
  return entries_.size();
}

}  // namespace fleet::bff::commands
