#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/sim/dispatcher.h"
#include "libs/kafka/envelope.h"

namespace fleet::sim {

struct ConfigAgentOptions {
  double fail_rate = 0;                           // share of config.apply answered "Failed"
  absl::Duration latency = absl::ZeroDuration();  // delay of every config.apply answer
  uint64_t seed = 1;
};

// The configuration a simulated device runs.
struct AppliedConfig {
  int64_t version = 0;
  std::string hash;
};

// The device watchdog's configuration behaviour for the whole simulated fleet:
//  config.apply {"version": N (> 0), "hash": "...", "config": {...}}
//    -> stores version + hash for the device and answers 200 {"version": N, "hash": "..."};
//       400 for a malformed body; 500 at `fail_rate` (then nothing changes).
// Every applied version is also appended to the device's history (in order of application),
// so tests can check the order. Thread-safe.
class ConfigAgent {
 public:
  explicit ConfigAgent(ConfigAgentOptions options) : options_(options), rng_(options.seed) {}

  HandlerResult Apply(const std::string& device_id, const kafka::Envelope& request, absl::Time now);

  std::optional<AppliedConfig> Get(const std::string& device_id) const;
  // Versions applied by the device, oldest first.
  std::vector<int64_t> History(const std::string& device_id) const;
  int64_t applies() const;
  int64_t failures() const;

  // Registers config.apply with `dispatcher`.
  void RegisterWith(Dispatcher& dispatcher);

 private:
  const ConfigAgentOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, AppliedConfig> applied_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<int64_t>> history_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t applies_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fleet::sim
