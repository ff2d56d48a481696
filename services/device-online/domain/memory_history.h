#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

// In-memory reference implementation of the presence history (the sink the relay writes and the
// read side), for unit tests and as the model the PostgreSQL history is checked against
// (storage/presence_history_contract_test). Idempotent on the transition id. Thread-safe.
class MemoryPresenceHistory : public TransitionSink, public PresenceHistory {
 public:
  absl::Status Publish(absl::Span<const Transition> transitions) override;
  absl::StatusOr<Page> ListForDevice(const Query& query) override;

  // Test hook: make every call fail with `status` (OK to heal).
  void FailWith(absl::Status status);

 private:
  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Transition> by_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::online
