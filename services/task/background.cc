#include "services/task/background.h"

#include "libs/log/log.h"
#include "prometheus/family.h"

namespace fleet::task {
namespace {

prometheus::Family<prometheus::Counter>& Family(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("task_rollout_total")
      .Help("Rollout worker activity by kind")
      .Register(r);
}

}  // namespace

RolloutMetrics::RolloutMetrics(prometheus::Registry& r)
    : ticks(Family(r).Add({{"kind", "tick"}})),
      sent(Family(r).Add({{"kind", "sent"}})),
      skipped(Family(r).Add({{"kind", "skipped"}})),
      deferred(Family(r).Add({{"kind", "deferred_offline"}})),
      timed_out(Family(r).Add({{"kind", "timed_out"}})),
      started(Family(r).Add({{"kind", "campaign_started"}})),
      errors(Family(r).Add({{"kind", "error"}})) {}

void RunRollout(Rollout& rollout, absl::Duration interval, RolloutMetrics& m,
                const std::atomic<bool>& stop, CampaignGauges* gauges) {
  while (!stop) {
    m.ticks.Increment();
    if (gauges != nullptr) {
      if (absl::Status st = gauges->MaybeRefresh(absl::Now()); !st.ok()) {
        m.errors.Increment();
        log::WarnEvery("task-campaign-gauges", absl::Seconds(10), "campaign gauges refresh failed",
                       {{"error", st.message()}});
      }
    }
    absl::StatusOr<TickReport> r = rollout.Tick();
    bool busy = false;
    if (!r.ok()) {
      m.errors.Increment();
      log::WarnEvery("task-rollout-tick", absl::Seconds(10), "rollout tick failed",
                     {{"error", r.status().message()}});
    } else {
      m.sent.Increment(r->sent);
      m.skipped.Increment(r->skipped);
      m.deferred.Increment(r->deferred);
      m.timed_out.Increment(r->timed_out);
      m.started.Increment(r->started);
      for (const std::string& e : r->campaign_events) log::Info("campaign", {{"event", e}});
      for (const absl::Status& st : r->errors) {
        m.errors.Increment();
        log::WarnEvery("task-rollout-campaign", absl::Seconds(10), "campaign step failed",
                       {{"error", st.message()}});
      }
      busy = r->sent > 0 || r->timed_out > 0;
    }
    if (!busy) {
      const absl::Time until = absl::Now() + interval;
      while (!stop && absl::Now() < until) absl::SleepFor(std::min(interval, absl::Milliseconds(50)));
    }
  }
}

}  // namespace fleet::task
