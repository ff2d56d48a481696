#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/clock/clock.h"
#include "services/device-online/domain/presence.h"

// Interfaces the device-online use cases need. storage/ and edge/ implement them; every method is
// thread-safe and returns UNAVAILABLE when its backend cannot be reached.
namespace fleet::online {

// Current presence of every device, shared by all replicas.
class PresenceStore {
 public:
  virtual ~PresenceStore() = default;

  // Applies sightings. Per device and atomically: last_seen only moves forward; board parameters
  // follow the newest sighting; an unknown or offline device becomes online, and that transition
  // (cause "uplink") is appended to the outbox in the same atomic step.
  virtual absl::Status Touch(absl::Span<const Sighting> sightings, absl::Time now) = 0;

  // Marks offline up to `limit` online devices whose last_seen < cutoff, appending each transition
  // (cause "timeout") to the outbox atomically. Safe to run on several replicas at once: a device
  // goes offline exactly once. Returns how many went offline.
  virtual absl::StatusOr<int> SweepOffline(absl::Time cutoff, absl::Time now, int limit) = 0;

  virtual absl::StatusOr<std::optional<Presence>> Get(std::string_view device_id) = 0;

  // Known devices only, in request order.
  virtual absl::StatusOr<std::vector<Presence>> BatchGet(absl::Span<const std::string> ids) = 0;

  struct Page {
    std::vector<Presence> items;
    bool more = false;   // a further page exists
    int64_t total = 0;   // devices matching the filter
  };
  // Devices ordered by id, strictly after `after_id` ("" = from the start).
  virtual absl::StatusOr<Page> List(StateFilter filter, std::string_view after_id, int limit) = 0;
};

// Transitions waiting to be published. Claimed entries that stay unacknowledged for `reclaim_idle`
// (their replica died) are handed to another claimer.
class TransitionOutbox {
 public:
  virtual ~TransitionOutbox() = default;
  virtual absl::StatusOr<std::vector<Transition>> Claim(std::string_view consumer, int max,
                                                        absl::Duration reclaim_idle) = 0;
  virtual absl::Status Ack(absl::Span<const std::string> ids) = 0;
};

// Where transitions go once claimed: the `fleet.presence` topic and the history table.
// Both must tolerate duplicates (consumers de-duplicate on Transition::id).
class TransitionSink {
 public:
  virtual ~TransitionSink() = default;
  virtual absl::Status Publish(absl::Span<const Transition> transitions) = 0;
};

// The stored transition history of devices (what the history TransitionSink wrote), for reading.
class PresenceHistory {
 public:
  virtual ~PresenceHistory() = default;

  // A position in one device's history: the last transition of the previous page.
  struct Cursor {
    absl::Time time;
    std::string id;
  };
  struct Query {
    std::string device_id;
    absl::Time since = absl::InfinitePast();  // only transitions with time >= since
    std::optional<Cursor> after;              // only transitions strictly after it in page order
    int limit = 50;                           // > 0
  };
  struct Page {
    std::vector<Transition> items;
    bool more = false;  // a further page exists
  };
  // One device's transitions, newest first: time descending, then id descending (byte order).
  virtual absl::StatusOr<Page> ListForDevice(const Query& query) = 0;
};

// How far each uplink partition has been consumed, in device time. The sweeper never judges
// silence beyond what has actually been read, so a stalled consumer never marks devices offline.
class WatermarkStore {
 public:
  virtual ~WatermarkStore() = default;
  // `caught_up_to`: every message of that partition sent before this time has been applied.
  virtual absl::Status Report(std::map<std::string, absl::Time> caught_up_to) = 0;
  virtual absl::StatusOr<std::map<std::string, absl::Time>> GetAll() = 0;
};

using ::fleet::Clock;
using ::fleet::RealClock;

}  // namespace fleet::online
