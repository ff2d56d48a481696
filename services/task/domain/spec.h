#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/task/domain/model.h"

// Validation and defaults of artifacts and campaign specs, and the rollout arithmetic derived
// from a spec. Pure functions, thread-safe.
namespace fleet::task {

struct SpecLimits {
  int max_targets = 100'000;  // explicit device ids per campaign
  int max_batch_size = 100'000;
  absl::Duration max_timeout = absl::Hours(24);
  // start_time may be at most this far in the past (clock skew of the caller).
  absl::Duration start_time_past_slack = absl::Minutes(5);
};

// Checks every field of a new artifact (id and create_time are ignored). INVALID_ARGUMENT
// (INVALID_FIELD, metadata "field" = the proto path, e.g. "artifact.sha256") naming the first
// bad field.
absl::Status ValidateArtifact(const Artifact& a);

// Fills defaults (see the proto: ramp 1, max_in_flight = batch size, timeouts 2m/30m/15m/10m,
// one attempt, back-off 30s..10m) and checks every field. Returns the spec to store.
// INVALID_ARGUMENT / INVALID_FIELD with metadata "field" = proto path (e.g.
// "spec.rollout.batch_size", "spec.window.time_zone"); TASK_TOO_MANY_TARGETS for too many ids.
absl::StatusOr<CampaignSpec> NormalizeSpec(CampaignSpec spec, absl::Time now,
                                           const SpecLimits& limits = {});

// Devices batch `index` (0-based) may start: min(max_batch_size, batch_size * ramp^index), at
// least 1, saturating instead of overflowing.
int BatchSize(const CampaignSpec& spec, int index);

// Back-off before re-sending after `attempt` sends (attempt >= 1):
// initial * 2^(attempt-1), capped at max_backoff.
absl::Duration Backoff(const CampaignSpec& spec, int attempt);

// The timeout of the step an execution is in (ack for SENT, download, install for VERIFYING and
// INSTALLING, reboot); InfiniteDuration for other states.
absl::Duration StepTimeout(const CampaignSpec& spec, ExecState state);

}  // namespace fleet::task
