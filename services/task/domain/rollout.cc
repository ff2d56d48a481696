#include "services/task/domain/rollout.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/task/domain/errors.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/spec.h"

namespace fleet::task {

absl::StatusOr<TickReport> Rollout::Tick() {
  TickReport report;
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<Campaign>> started = campaigns_.StartDue(now);
  if (!started.ok()) return started.status();
  report.started = static_cast<int>(started->size());

  absl::StatusOr<int> timed_out = campaigns_.SweepDue(
      now, options_.sweep_limit, [now](Execution& e, const Campaign& c) {
        const ExecContext ctx{c.spec.kind, &c.spec, c.state != CampaignState::kCanceled};
        return OnDeadline(e, ctx, now);
      });
  if (!timed_out.ok()) return timed_out.status();
  report.timed_out = *timed_out;

  absl::StatusOr<std::vector<Campaign>> running = campaigns_.ListRunning(options_.max_campaigns_per_tick);
  if (!running.ok()) return running.status();
  for (const Campaign& c : *running) {
    if (c.spec.targets.include_new) RefreshTargets(c, now, report);
    if (absl::Status st = DispatchCampaign(c, now, report); !st.ok()) {
      report.errors.push_back(status::WithMetadata(st, "campaign", c.id));
    }
  }
  return report;
}

void Rollout::RefreshTargets(const Campaign& c, absl::Time now, TickReport& report) {
  {
    absl::MutexLock l(&mu_);
    auto it = refreshed_.find(c.id);
    if (it != refreshed_.end() && now - it->second < options_.target_refresh) return;
    refreshed_[c.id] = now;
  }
  absl::StatusOr<std::vector<TargetDevice>> targets = directory_.Resolve(c.spec.targets);
  if (!targets.ok()) {
    report.errors.push_back(targets.status());
    return;
  }
  absl::StatusOr<int> added = campaigns_.AddTargets(c.id, *targets, now);
  if (!added.ok()) {
    report.errors.push_back(added.status());
    return;
  }
  report.added_targets += *added;
}

absl::StatusOr<Artifact> Rollout::ArtifactOf(const Campaign& c) {
  {
    absl::MutexLock l(&mu_);
    auto it = artifact_cache_.find(c.id);
    if (it != artifact_cache_.end()) return it->second;
  }
  absl::StatusOr<std::optional<Artifact>> a = artifacts_.GetArtifact(c.spec.artifact_id);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return ArtifactNotFound(c.spec.artifact_id);
  absl::MutexLock l(&mu_);
  artifact_cache_[c.id] = **a;  // artifacts are immutable
  return **a;
}

absl::StatusOr<std::map<std::string, DevicePresence>> Rollout::Presence(
    const std::vector<std::string>& ids) {
  std::map<std::string, DevicePresence> out;
  for (size_t i = 0; i < ids.size(); i += options_.presence_batch) {
    const size_t end = std::min(ids.size(), i + options_.presence_batch);
    absl::StatusOr<std::map<std::string, DevicePresence>> part =
        presence_.Lookup(std::vector<std::string>(ids.begin() + i, ids.begin() + end));
    if (!part.ok()) return part.status();
    out.merge(*part);
  }
  return out;
}

absl::Status Rollout::DispatchCampaign(const Campaign& c, absl::Time now, TickReport& report) {
  std::optional<DailyWindow> window;
  if (c.spec.window.has_value()) {
    absl::StatusOr<DailyWindow> w = DailyWindow::Create(*c.spec.window);
    if (!w.ok()) return w.status();
    window = *w;
  }
  std::optional<Artifact> artifact;
  if (c.spec.kind != CampaignKind::kCommand) {
    absl::StatusOr<Artifact> a = ArtifactOf(c);
    if (!a.ok()) return a.status();
    artifact = *a;
  }

  // Candidates: enough for the free in-flight slots, with slack for offline and skipped ones.
  const int64_t batch_room = std::max<int64_t>(BatchSize(c.spec, c.cursor.batch) - c.cursor.sent,
                                               BatchSize(c.spec, c.cursor.batch + 1));
  const int64_t room = std::min<int64_t>(c.spec.max_in_flight - c.counts.in_flight, batch_room);
  std::vector<Execution> candidates;
  std::map<std::string, DevicePresence> presence;
  if (room > 0 && c.counts.queued > 0 && (!window || window->Contains(now))) {
    const int limit = static_cast<int>(std::min<int64_t>(options_.max_candidates, room * 2 + 16));
    absl::StatusOr<std::vector<Execution>> got = campaigns_.Candidates(c.id, now, limit);
    if (!got.ok()) return got.status();
    candidates = *std::move(got);
    std::vector<std::string> ids;
    for (const Execution& e : candidates) ids.push_back(e.device_id);
    absl::StatusOr<std::map<std::string, DevicePresence>> p = Presence(ids);
    if (!p.ok()) {
      // Without presence nobody is known to be online: send nothing, but still let the
      // campaign complete or pause.
      report.errors.push_back(p.status());
      candidates.clear();
    } else {
      presence = *std::move(p);
    }
  }
  std::vector<int64_t> ids;
  for (const Execution& e : candidates) ids.push_back(e.id);

  const auto plan = [&](const Campaign& locked, const CampaignStats& stats,
                        std::vector<Execution> execs) {
    PlanInput in;
    in.campaign = &locked;
    in.stats = stats;
    in.candidates = std::move(execs);
    in.presence = presence;
    in.window = window ? &*window : nullptr;
    // Read after the campaign was locked and its stats counted, so every step recorded now is
    // stamped later than the reports that led to it.
    in.now = clock_.Now();
    in.offline_recheck = options_.offline_recheck;
    return Plan(in);
  };
  const auto send = [&](const std::vector<Execution>& sent) -> absl::Status {
    for (const Execution& e : sent) {
      DeviceRequest r;
      r.request_id = e.request_id;
      r.device_id = e.device_id;
      r.kind = c.spec.kind;
      r.campaign_id = c.id;
      if (artifact) {
        r.url = artifact->url;
        r.sha256 = artifact->sha256;
        r.version = artifact->version;
        r.size_bytes = artifact->size_bytes;
      } else {
        r.command_name = c.spec.command_name;
        r.command_args_json = c.spec.command_args_json;
      }
      if (absl::Status st = channel_.Send(r); !st.ok()) return st;
    }
    return sent.empty() ? absl::OkStatus() : channel_.Flush();
  };
  absl::StatusOr<std::optional<PlanDecision>> d = campaigns_.Dispatch(c.id, ids, plan, send);
  if (!d.ok()) return d.status();
  if (!d->has_value()) {
    ++report.busy;
    return absl::OkStatus();
  }
  const PlanDecision& decision = **d;
  report.sent += static_cast<int>(decision.sent.size());
  report.skipped += static_cast<int>(decision.skipped.size());
  report.deferred += static_cast<int>(decision.deferred.size());
  if (decision.campaign_changed && decision.state != CampaignState::kRunning) {
    report.campaign_events.push_back(absl::StrCat(c.id, ": ", std::string(Name(decision.state)), " ",
                                                  decision.state_reason));
  }
  return absl::OkStatus();
}

}  // namespace fleet::task
