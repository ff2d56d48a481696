#pragma once

#include <atomic>

#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/task/campaign_gauges.h"
#include "services/task/domain/rollout.h"

namespace fleet::task {

// Metrics of the rollout worker, declared together.
struct RolloutMetrics {
  explicit RolloutMetrics(prometheus::Registry& registry);
  prometheus::Counter& ticks;
  prometheus::Counter& sent;       // requests sent to devices
  prometheus::Counter& skipped;    // incompatible / already on version
  prometheus::Counter& deferred;   // offline devices put back
  prometheus::Counter& timed_out;  // steps whose deadline passed
  prometheus::Counter& started;    // campaigns started
  prometheus::Counter& errors;     // failed ticks or campaign steps (retried next tick)
};

// Ticks until `stop`: when a tick sent or timed out something it ticks again at once, otherwise
// it waits `interval`. Every replica runs one; the store's row locks keep them from doing a
// step twice, and because all state is in PostgreSQL a restarted replica simply carries on.
// Errors are logged (at most every 10 s per kind) and counted. With `gauges`, each tick also
// refreshes them (at most once per their min_interval; a failed refresh counts as an error).
void RunRollout(Rollout& rollout, absl::Duration interval, RolloutMetrics& m,
                const std::atomic<bool>& stop, CampaignGauges* gauges = nullptr);

}  // namespace fleet::task
