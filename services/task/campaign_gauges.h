#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

// The gauge task_campaign_devices{campaign, state}: devices per execution state (queued,
// in_flight, succeeded, failed, timed_out, canceled, skipped) of the campaigns that have not
// ended (SCHEDULED / RUNNING / PAUSED), which bounds its cardinality. Series of campaigns that
// ended or disappeared are removed on the next refresh. Thread-safe.
class CampaignGauges {
 public:
  CampaignGauges(prometheus::Registry& registry, CampaignStore& store,
                 absl::Duration min_interval = absl::Seconds(10));

  // Re-reads the live campaigns' counts (ListCampaigns per state, all pages). On a store error
  // the gauges keep their last values and the error is returned.
  absl::Status Refresh();
  // Refresh() unless the last attempt was less than `min_interval` before `now`.
  absl::Status MaybeRefresh(absl::Time now);

 private:
  CampaignStore& store_;
  const absl::Duration min_interval_;
  prometheus::Family<prometheus::Gauge>& family_;
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // campaign id -> state label -> gauge
  std::map<std::string, std::map<std::string, prometheus::Gauge*>> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::task
