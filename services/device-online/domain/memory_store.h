#pragma once

#include <deque>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

// In-memory reference implementation of the device-online stores, for unit tests and as the
// model the Redis store is checked against (storage/redis_store_contract_test). Thread-safe.
class MemoryStore : public PresenceStore, public TransitionOutbox, public WatermarkStore {
 public:
  explicit MemoryStore(Clock& clock) : clock_(clock) {}

  absl::Status Touch(absl::Span<const Sighting> sightings, absl::Time now) override;
  absl::StatusOr<int> SweepOffline(absl::Time cutoff, absl::Time now, int limit) override;
  absl::StatusOr<std::optional<Presence>> Get(std::string_view device_id) override;
  absl::StatusOr<std::vector<Presence>> BatchGet(absl::Span<const std::string> ids) override;
  absl::StatusOr<Page> List(StateFilter filter, std::string_view after_id, int limit) override;

  absl::StatusOr<std::vector<Transition>> Claim(std::string_view consumer, int max,
                                                absl::Duration reclaim_idle) override;
  absl::Status Ack(absl::Span<const std::string> ids) override;

  absl::Status Report(std::map<std::string, absl::Time> caught_up_to) override;
  absl::StatusOr<std::map<std::string, absl::Time>> GetAll() override;

  // Test hooks: make every call fail with `status` (OK to heal).
  void FailWith(absl::Status status);
  size_t PendingTransitions();

 private:
  struct Pending {
    Transition transition;
    std::string owner;  // "" = unclaimed
    absl::Time claimed_at;
  };
  void Emit(Transition t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Presence> devices_ ABSL_GUARDED_BY(mu_);
  std::deque<Pending> outbox_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, absl::Time> watermarks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::online
