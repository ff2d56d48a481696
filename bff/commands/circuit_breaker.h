#pragma once

#include <cstdint>
#include <list>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fleet::bff::commands {

struct BreakerOptions {
  int failure_threshold = 5;                   // consecutive failures that open the circuit
  absl::Duration open_for = absl::Seconds(30);  // then one probe is let through (half-open)
  size_t max_keys = 100000;                    // least recently used keys beyond this are forgotten
};

// One circuit per key (a device): after `failure_threshold` consecutive failures, calls are
// refused for `open_for`; then a single probe is allowed; its success closes the circuit, its
// failure opens it again. Per BFF replica (a breaker protects this replica's calls). Thread-safe.
class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerOptions options = {}) : options_(options) {}

  // OK to call now; else UNAVAILABLE with reason CIRCUIT_OPEN and metadata retry_after_seconds.
  absl::Status Allow(const std::string& key, absl::Time now);
  // The outcome of a call Allow admitted.
  void Record(const std::string& key, bool success, absl::Time now);

  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    absl::Time open_until = absl::InfinitePast();
    bool probing = false;
    std::list<std::string>::iterator lru;
  };
  Entry& Touch(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BreakerOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
};

}  // namespace fleet::bff::commands
