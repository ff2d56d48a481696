#pragma once

#include <memory>
#include <string>

#include "libs/redis/client.h"
#include "libs/redis/script.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

// Presence, transition outbox and ingest watermarks in Redis (see presence_scripts.h for the
// data layout). All replicas share one Redis; every state change is one Lua script, so it is
// atomic across replicas. Thread-safe. Redis being unreachable is UNAVAILABLE.
class RedisPresenceStore : public PresenceStore, public TransitionOutbox, public WatermarkStore {
 public:
  // `seen_resolution`: how far last-seen must move before a device's sweep index entry is
  // rewritten (see presence_scripts.h). Offline detection is exact whatever the value; half the
  // offline timeout skips most rewrites.
  RedisPresenceStore(redis::Client& client, std::string prefix = "fleet:presence",
                     absl::Duration seen_resolution = absl::Seconds(1));

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

  // Transitions not yet acknowledged (for the backlog gauge).
  absl::StatusOr<int64_t> OutboxLength();

 private:
  absl::Status EnsureGroup();
  absl::StatusOr<redis::Reply> Stream(const std::vector<std::string>& argv);

  redis::Client& client_;
  const std::string prefix_;
  const int64_t resolution_ms_;
  const redis::Script touch_;
  const redis::Script sweep_;
};

}  // namespace fleet::online
