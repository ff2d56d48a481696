#include "services/task/domain/planner.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/spec.h"

namespace fleet::task {
namespace {

Event CampaignEvent(const Campaign& c, absl::Time now, std::string message) {
  Event ev;
  ev.at = now;
  ev.campaign_id = c.id;
  ev.kind = Event::Kind::kCampaign;
  ev.message = std::move(message);
  return ev;
}

std::optional<std::string> Breached(const AbortThreshold& t, int64_t finished, int64_t failures,
                                    std::string_view scope) {
  if (t.min_finished <= 0 || finished < t.min_finished || finished <= 0) return std::nullopt;
  const double pct = 100.0 * static_cast<double>(failures) / static_cast<double>(finished);
  if (pct <= t.max_failure_percent) return std::nullopt;
  return absl::StrFormat("abort: %.1f%% of %d finished devices %s failed (max %.1f%%)", pct,
                         finished, std::string(scope), t.max_failure_percent);
}

// Why the device cannot take this campaign, or "".
std::string SkipReason(const Campaign& c, const Execution& e, const DevicePresence* p) {
  if (c.spec.kind == CampaignKind::kCommand) return "";
  if (!c.target_models.empty() &&
      std::find(c.target_models.begin(), c.target_models.end(), e.model) == c.target_models.end()) {
    return absl::StrCat("incompatible: model \"", e.model, "\" is not one of ",
                        absl::StrJoin(c.target_models, ", "));
  }
  if (c.spec.kind == CampaignKind::kFirmware && p != nullptr && !c.target_version.empty() &&
      p->firmware_version == c.target_version && e.attempt == 0) {
    return absl::StrCat("already on version ", c.target_version);
  }
  return "";
}

}  // namespace

std::optional<std::string> AbortReason(const Campaign& c, const CampaignStats& s) {
  if (auto r = Breached(c.spec.abort_per_batch, s.batch_finished, s.batch_failures,
                        absl::StrCat("of batch ", c.cursor.batch))) {
    return r;
  }
  return Breached(c.spec.abort_overall, s.counts.finished() - c.abort_base_finished,
                  s.counts.failures() - c.abort_base_failures, "of the campaign");
}

PlanDecision Plan(const PlanInput& in) {
  const Campaign& c = *in.campaign;
  PlanDecision d;
  d.state = c.state;
  d.state_reason = c.state_reason;
  d.paused_by_abort = c.paused_by_abort;
  d.cursor = c.cursor;
  if (c.state != CampaignState::kRunning) return d;

  const ExecutionCounts& n = in.stats.counts;
  if (n.queued == 0 && n.in_flight == 0 && !c.spec.targets.include_new) {
    d.campaign_changed = true;
    d.state = CampaignState::kCompleted;
    d.state_reason = absl::StrCat(n.succeeded, " succeeded, ", n.failures(), " failed, ",
                                  n.skipped, " skipped");
    d.end_time = in.now;
    d.events.push_back(CampaignEvent(c, in.now, "completed: " + d.state_reason));
    return d;
  }
  if (std::optional<std::string> why = AbortReason(c, in.stats)) {
    d.campaign_changed = true;
    d.state = CampaignState::kPaused;
    d.state_reason = *why;
    d.paused_by_abort = true;
    d.events.push_back(CampaignEvent(c, in.now, "paused: " + *why));
    return d;
  }
  if (in.window != nullptr && !in.window->Contains(in.now)) return d;

  // Open the next batch when the current one is full, settled and old enough.
  int64_t batch_in_flight = in.stats.batch_in_flight;
  if (d.cursor.sent >= BatchSize(c.spec, d.cursor.batch) && batch_in_flight == 0 &&
      in.now >= d.cursor.started_at + c.spec.batch_interval) {
    d.cursor.batch += 1;
    d.cursor.sent = 0;
    d.cursor.started_at = absl::InfinitePast();
    d.campaign_changed = true;
    batch_in_flight = 0;
  }

  int64_t room = c.spec.max_in_flight - n.in_flight;
  std::vector<const Execution*> order;
  for (const Execution& e : in.candidates) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Execution* a, const Execution* b) {
    return (a->attempt > 0) > (b->attempt > 0);
  });
  const ExecContext ctx{c.spec.kind, &c.spec, true};
  const int batch_size = BatchSize(c.spec, d.cursor.batch);
  for (const Execution* candidate : order) {
    if (candidate->state != ExecState::kQueued) continue;
    auto p = in.presence.find(candidate->device_id);
    const DevicePresence* presence = p == in.presence.end() ? nullptr : &p->second;
    Execution e = *candidate;
    if (std::string why = SkipReason(c, e, presence); !why.empty()) {
      std::vector<Event> ev = MarkSkipped(e, why, in.now);
      d.events.insert(d.events.end(), ev.begin(), ev.end());
      d.skipped.push_back(std::move(e));
      continue;
    }
    const bool retry = e.attempt > 0;
    if (room <= 0 || (!retry && d.cursor.sent >= batch_size)) continue;
    if (presence == nullptr || !presence->online) {
      e.not_before = in.now + in.offline_recheck;
      d.deferred.push_back(std::move(e));
      continue;
    }
    std::vector<Event> ev = MarkSent(e, ctx, d.cursor.batch, in.now);
    d.events.insert(d.events.end(), ev.begin(), ev.end());
    d.sent.push_back(std::move(e));
    --room;
    if (!retry) {
      if (d.cursor.sent == 0) {
        d.cursor.started_at = in.now;
        d.events.insert(d.events.end() - 1,
                        CampaignEvent(c, in.now, absl::StrCat("batch ", d.cursor.batch, " (",
                                                              batch_size, " devices) started")));
      }
      ++d.cursor.sent;
      d.campaign_changed = true;
    }
  }
  return d;
}

std::optional<absl::Time> Eta(const Campaign& c, absl::Time now) {
  if (c.state != CampaignState::kRunning) return std::nullopt;
  const ExecutionCounts& n = c.counts;
  const int64_t done = n.finished();
  const int64_t remaining = n.queued + n.in_flight;
  if (remaining == 0) return now;
  if (done == 0 || now <= c.start_time) return std::nullopt;
  const double per_second = static_cast<double>(done) / absl::ToDoubleSeconds(now - c.start_time);
  absl::Duration by_rate = absl::Seconds(static_cast<double>(remaining) / per_second);
  // Batches still to open, each at least batch_interval after the previous one.
  int64_t left = n.queued - std::max<int64_t>(0, BatchSize(c.spec, c.cursor.batch) - c.cursor.sent);
  int batches = 0;
  for (int b = c.cursor.batch + 1; left > 0 && batches < 100000; ++b, ++batches) {
    left -= BatchSize(c.spec, b);
  }
  const absl::Duration by_batches = c.spec.batch_interval * batches;
  return now + std::max(by_rate, by_batches);
}

}  // namespace fleet::task
