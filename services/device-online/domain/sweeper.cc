#include "services/device-online/domain/sweeper.h"

#include <algorithm>

namespace fleet::online {

SweepResult Sweeper::Plan(const std::map<std::string, absl::Time>& watermarks, absl::Time now,
                          const SweepPolicy& policy) {
  SweepResult plan;
  if (watermarks.empty()) return plan;  // nobody has consumed anything: judge nothing
  plan.ran = true;
  plan.effective_now = now;
  for (const auto& [partition, caught_up_to] : watermarks) {
    const absl::Duration lag = now - caught_up_to;
    if (caught_up_to < plan.effective_now) plan.effective_now = caught_up_to;
    if (lag > plan.max_lag) {
      plan.max_lag = lag;
      if (lag > policy.lag_warning) plan.lagging_partition = partition;
    }
  }
  return plan;
}

absl::StatusOr<SweepResult> Sweeper::RunOnce() {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::map<std::string, absl::Time>> marks = watermarks_.GetAll();
  if (!marks.ok()) return marks.status();
  SweepResult result = Plan(*marks, now, policy_);
  if (!result.ran) return result;
  const absl::Time cutoff = result.effective_now - policy_.offline_after;
  while (true) {
    absl::StatusOr<int> n = store_.SweepOffline(cutoff, now, policy_.batch_limit);
    if (!n.ok()) return n.status();
    result.went_offline += *n;
    if (*n < policy_.batch_limit) break;
  }
  return result;
}

}  // namespace fleet::online
