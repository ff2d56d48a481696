#pragma once

#include <string>

#include "absl/time/time.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

// Moves transitions from the outbox to their sinks (Kafka `fleet.presence`, PostgreSQL history),
// at least once. A transition is acknowledged only after every sink took it, so a replica killed
// mid-way loses nothing: another replica reclaims the entries after `reclaim_idle`.
class Relay {
 public:
  Relay(TransitionOutbox& outbox, std::vector<TransitionSink*> sinks, std::string consumer_name,
        int batch = 500, absl::Duration reclaim_idle = absl::Seconds(15))
      : outbox_(outbox),
        sinks_(std::move(sinks)),
        consumer_(std::move(consumer_name)),
        batch_(batch),
        reclaim_idle_(reclaim_idle) {}

  // Relays one batch; returns how many transitions were delivered (0 = outbox empty).
  absl::StatusOr<int> RunOnce();

 private:
  TransitionOutbox& outbox_;
  std::vector<TransitionSink*> sinks_;
  const std::string consumer_;
  const int batch_;
  const absl::Duration reclaim_idle_;
};

}  // namespace fleet::online
