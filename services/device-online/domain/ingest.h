#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

struct IngestPolicy {
  // Uplink messages older than this (device time) are dropped, never applied.
  absl::Duration max_age = absl::Minutes(10);
  // Messages stamped further in the future than this are dropped (bad device clock).
  absl::Duration max_future_skew = absl::Minutes(2);
};

struct IngestResult {
  int64_t applied = 0;        // sightings written (after coalescing per device)
  int64_t coalesced = 0;      // messages folded into a newer one from the same device
  int64_t dropped_stale = 0;
  int64_t dropped_future = 0;
};

// Turns a batch of decoded uplink messages into presence updates. Thread-compatible: one per
// consumer thread.
class Ingestor {
 public:
  Ingestor(PresenceStore& store, Clock& clock, IngestPolicy policy)
      : store_(store), clock_(clock), policy_(policy) {}

  // Drops stale and future messages, keeps the newest message per device (a heartbeat's board
  // parameters win over a non-heartbeat's missing ones), and applies the batch in one store call.
  // On a store error nothing is counted as applied and the caller must retry the batch.
  absl::StatusOr<IngestResult> Apply(absl::Span<const Uplink> batch);

 private:
  PresenceStore& store_;
  Clock& clock_;
  const IngestPolicy policy_;
};

}  // namespace fleet::online
