#pragma once

#include <map>
#include <string>

#include "absl/time/time.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

struct SweepPolicy {
  // A device is offline when it has been silent this long (default: 3 heartbeat intervals).
  absl::Duration offline_after = absl::Seconds(90);
  // Devices marked offline per store call.
  int batch_limit = 1000;
  // A partition whose watermark is older than this is "lagging": the sweep still runs, but only
  // up to that partition's watermark, and the result says so (the service logs and counts it).
  absl::Duration lag_warning = absl::Seconds(30);
};

struct SweepResult {
  int went_offline = 0;
  bool ran = false;          // false when no partition has reported yet
  absl::Time effective_now;  // the time silence was judged at: min(now, every watermark)
  std::string lagging_partition;  // set when some partition is behind by more than lag_warning
  absl::Duration max_lag;
};

// Marks silent devices offline. Silence is judged at the ingest watermark, not the wall clock:
// when consumers stall or restart (a slow upgrade), devices are not marked offline for messages
// that were sent but not yet read. Safe to run on every replica concurrently.
class Sweeper {
 public:
  Sweeper(PresenceStore& store, WatermarkStore& watermarks, Clock& clock, SweepPolicy policy)
      : store_(store), watermarks_(watermarks), clock_(clock), policy_(policy) {}

  // One pass: marks offline every device silent since before effective_now - offline_after
  // (looping over batches of batch_limit).
  absl::StatusOr<SweepResult> RunOnce();

  // Pure part of RunOnce, exposed for tests.
  static SweepResult Plan(const std::map<std::string, absl::Time>& watermarks, absl::Time now,
                          const SweepPolicy& policy);

 private:
  PresenceStore& store_;
  WatermarkStore& watermarks_;
  Clock& clock_;
  const SweepPolicy policy_;
};

}  // namespace fleet::online
