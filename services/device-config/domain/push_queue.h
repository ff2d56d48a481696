#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace fleet::devcfg {

struct PushPacing {
  double per_second = 100;   // pushes started per second (> 0); bursts of up to one second
  int64_t max_in_flight = 1000;  // pushes sent and not answered yet (>= 1)
  absl::Duration answer_timeout = absl::Seconds(30);  // an unanswered push stops counting after this
};

// One push to start: send `version` (or the device's newer desired version) to `device_id`.
struct PushItem {
  std::string device_id;
  int64_t version = 0;
  bool operator==(const PushItem&) const = default;
};

// Pure pacing and supersede logic of configuration pushes (no I/O, time passed in).
// - Pending pushes are keyed by device: a newer version replaces an older pending one; an
//   older or equal version than one pending, in flight or already sent is ignored, so an older
//   version is never sent after a newer one.
// - A device has at most one push in flight; its newer version waits until the answer (or the
//   answer timeout), then goes to the back of the queue.
// - TakeDue starts at most `per_second` pushes per second (token bucket, burst one second) and
//   keeps at most `max_in_flight` unanswered.
// Not thread-safe: the caller serializes access.
class PushQueue {
 public:
  explicit PushQueue(PushPacing pacing);

  // Returns false when the version was ignored (not newer than what is known for the device).
  // `refresh`: the version's effective config changed (a template changed), so the same
  // version as one already sent or in flight is pushed again (never an older one).
  bool Enqueue(std::string_view device_id, int64_t version, bool refresh = false);
  // The pushes to start now (marked in flight), oldest pending first.
  std::vector<PushItem> TakeDue(absl::Time now);
  // The push actually sent carried `version` (>= the one taken, e.g. a newer desired version).
  void Sent(std::string_view device_id, int64_t version);
  // The device answered `version`: ends the push in flight when version >= its version.
  void Answered(std::string_view device_id, int64_t version);
  // Sending failed: the push goes back to the end of the queue (unless superseded).
  void SendFailed(std::string_view device_id, int64_t version);

  size_t pending() const { return order_.size() + blocked_.size(); }
  size_t in_flight() const { return in_flight_.size(); }

 private:
  struct Pending {
    int64_t version = 0;
    std::list<std::string>::iterator pos;
  };
  struct Blocked {
    int64_t version = 0;
    bool refresh = false;
  };
  struct Flight {
    int64_t version = 0;
    absl::Time deadline;
  };
  void Refill(absl::Time now);
  void ExpireFlights(absl::Time now);
  void EndFlight(const std::string& device_id);
  void PushBack(const std::string& device_id, int64_t version);

  const PushPacing pacing_;
  std::list<std::string> order_;                            // sendable devices, oldest first
  absl::flat_hash_map<std::string, Pending> queued_;        // device -> pending (in order_)
  absl::flat_hash_map<std::string, Blocked> blocked_;       // device in flight -> next pending
  absl::flat_hash_map<std::string, Flight> in_flight_;
  absl::flat_hash_map<std::string, int64_t> highest_sent_;  // never go below this
  double tokens_ = 0;
  absl::Time last_refill_ = absl::InfinitePast();
};

}  // namespace fleet::devcfg
