#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

struct RolloutOptions {
  int max_campaigns_per_tick = 200;
  int sweep_limit = 2000;         // timed-out steps handled per tick
  int max_candidates = 5000;      // QUEUED executions considered per campaign and tick
  int presence_batch = 10000;     // device ids per PresenceSource::Lookup
  absl::Duration offline_recheck = absl::Seconds(15);
  absl::Duration target_refresh = absl::Minutes(1);  // include_new campaigns
};

// What one Tick did (for metrics and logs).
struct TickReport {
  int started = 0;      // campaigns SCHEDULED -> RUNNING
  int timed_out = 0;    // executions whose step deadline passed
  int sent = 0;         // requests sent
  int skipped = 0;
  int deferred = 0;     // offline devices put back
  int busy = 0;         // campaigns another replica was dispatching
  int added_targets = 0;
  std::vector<std::string> campaign_events;  // completed / paused messages
  std::vector<absl::Status> errors;          // per-campaign failures (the tick goes on)
};

// The rollout worker: starts due campaigns, times out overdue steps and sends the next devices
// of every RUNNING campaign (see planner.h for the batching rules). Several replicas may tick at
// once: the store's row locks make each step happen once. Thread-safe; call Tick from one
// thread per replica.
class Rollout {
 public:
  Rollout(ArtifactStore& artifacts, CampaignStore& campaigns, DeviceChannel& channel,
          PresenceSource& presence, DeviceDirectory& directory, Clock& clock,
          RolloutOptions options = {})
      : artifacts_(artifacts),
        campaigns_(campaigns),
        channel_(channel),
        presence_(presence),
        directory_(directory),
        clock_(clock),
        options_(options) {}

  // One pass. Errors reading the campaign list are returned; failures of single campaigns are
  // collected in the report and the pass continues.
  absl::StatusOr<TickReport> Tick();

 private:
  absl::Status DispatchCampaign(const Campaign& c, absl::Time now, TickReport& report);
  absl::StatusOr<Artifact> ArtifactOf(const Campaign& c);
  absl::StatusOr<std::map<std::string, DevicePresence>> Presence(const std::vector<std::string>& ids);
  void RefreshTargets(const Campaign& c, absl::Time now, TickReport& report);

  ArtifactStore& artifacts_;
  CampaignStore& campaigns_;
  DeviceChannel& channel_;
  PresenceSource& presence_;
  DeviceDirectory& directory_;
  Clock& clock_;
  const RolloutOptions options_;
  absl::Mutex mu_;
  std::map<std::string, Artifact> artifact_cache_ ABSL_GUARDED_BY(mu_);  // by campaign id
  std::map<std::string, absl::Time> refreshed_ ABSL_GUARDED_BY(mu_);     // by campaign id
};

}  // namespace fleet::task
