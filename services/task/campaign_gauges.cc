#include "services/task/campaign_gauges.h"

#include <utility>
#include <vector>

namespace fleet::task {
namespace {

std::vector<std::pair<const char*, int64_t>> ByState(const ExecutionCounts& n) {
  return {{"queued", n.queued},       {"in_flight", n.in_flight}, {"succeeded", n.succeeded},
          {"failed", n.failed},       {"timed_out", n.timed_out}, {"canceled", n.canceled},
          {"skipped", n.skipped}};
}

}  // namespace

CampaignGauges::CampaignGauges(prometheus::Registry& registry, CampaignStore& store,
                               absl::Duration min_interval)
    : store_(store),
      min_interval_(min_interval),
      family_(prometheus::BuildGauge()
                  .Name("task_campaign_devices")
                  .Help("Devices per execution state of campaigns that have not ended")
                  .Register(registry)) {}

absl::Status CampaignGauges::MaybeRefresh(absl::Time now) {
  {
    absl::MutexLock l(&mu_);
    if (now < last_ + min_interval_) return absl::OkStatus();
    last_ = now;
  }
  return Refresh();
}

absl::Status CampaignGauges::Refresh() {
  std::map<std::string, ExecutionCounts> live;
  for (CampaignState state : {CampaignState::kScheduled, CampaignState::kRunning, CampaignState::kPaused}) {
    Cursor after;
    for (;;) {
      absl::StatusOr<Page<Campaign>> page = store_.ListCampaigns(state, after, 500);
      if (!page.ok()) return page.status();
      for (const Campaign& c : page->items) live[c.id] = c.counts;
      if (!page->more || page->items.empty()) break;
      after = {page->items.back().create_time, page->items.back().id};
    }
  }
  absl::MutexLock l(&mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    if (live.count(it->first)) {
      ++it;
      continue;
    }
    for (auto& [state, gauge] : it->second) family_.Remove(gauge);
    it = series_.erase(it);
  }
  for (const auto& [id, counts] : live) {
    std::map<std::string, prometheus::Gauge*>& by_state = series_[id];
    for (const auto& [state, n] : ByState(counts)) {
      prometheus::Gauge*& g = by_state[state];
      if (g == nullptr) g = &family_.Add({{"campaign", id}, {"state", state}});
      g->Set(static_cast<double>(n));
    }
  }
  return absl::OkStatus();
}

}  // namespace fleet::task
