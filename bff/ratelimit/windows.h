#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::bff::ratelimit {

// "at most `limit` requests per `period`" (enforced with GCRA: a burst of up to `limit`, then
// one every period/limit).
struct Window {
  int64_t limit = 0;
  absl::Duration period;
  friend bool operator==(const Window& a, const Window& b) { return a.limit == b.limit && a.period == b.period; }
};

// Parses "100/1s,2000/60s" (absl durations; limit 1..1e9, period 1ms..1 day, at most 4
// windows, no duplicate period). "" yields no windows. INVALID_ARGUMENT with an explanation.
absl::StatusOr<std::vector<Window>> ParseWindows(const std::string& spec);

// The inverse of ParseWindows, e.g. "100/1s,2000/1m".
std::string FormatWindows(const std::vector<Window>& windows);

}  // namespace fleet::bff::ratelimit
