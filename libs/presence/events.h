#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/consumer.h"

namespace fleet::presence {

// One presence transition as other services see it (decoded from the JSON of
// fleet.presence.v1.PresenceTransition that device-online publishes on `fleet.presence`).
struct PresenceEvent {
  std::string device_id;
  bool online = false;
  absl::Time time = absl::InfinitePast();
  std::string transition_id;  // unique per transition; consumers may de-duplicate on it
  std::string cause;          // "uplink" (came online) or "timeout" (swept offline)
};

// INVALID_ARGUMENT (reason INVALID_FIELD) when `json` is not a transition with a device id and
// a state.
absl::StatusOr<PresenceEvent> DecodePresenceEvent(std::string_view json);

// Handles one event. OK = done; UNAVAILABLE / DEADLINE_EXCEEDED / ABORTED = retry later (the
// batch is not acknowledged until it succeeds); any other error is logged and the event skipped.
using PresenceHandler = std::function<absl::Status(const PresenceEvent&)>;

struct PresenceConsumerOptions {
  absl::Duration poll_timeout = absl::Milliseconds(100);
  size_t max_batch = 1000;
  // Events older than this (by their decision time) are skipped: a device that came online an
  // hour ago and has been offline since must not be acted on when a lagging consumer catches up.
  absl::Duration max_age = absl::Minutes(10);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Consumes `fleet.presence` in a consumer group of the caller's service (each transition handled
// by one replica) and calls `handler` for each event, in partition order (per device order).
// At-least-once: a batch's offsets are marked processed after every event in it was handled;
// handlers must be idempotent. Run() on one thread.
class PresenceConsumer {
 public:
  PresenceConsumer(kafka::Consumer& consumer, PresenceHandler handler, PresenceConsumerOptions options = {},
                   std::function<absl::Time()> now = [] { return absl::Now(); })
      : consumer_(consumer), handler_(std::move(handler)), options_(options), now_(std::move(now)) {}

  // Polls and handles one batch; returns the number of records consumed.
  absl::StatusOr<size_t> PollOnce(const std::atomic<bool>& stop);
  void Run(const std::atomic<bool>& stop);

  // Counters (monotonic; for metrics and tests).
  int64_t handled() const { return handled_.load(); }
  int64_t skipped_stale() const { return stale_.load(); }
  int64_t malformed() const { return malformed_.load(); }

 private:
  kafka::Consumer& consumer_;
  const PresenceHandler handler_;
  const PresenceConsumerOptions options_;
  const std::function<absl::Time()> now_;
  std::atomic<int64_t> handled_{0}, stale_{0}, malformed_{0};
};

// librdkafka overrides for a presence consumer group: a group seen for the first time starts at
// the END of the topic (a new deployment does not act on history); afterwards it resumes from its
// committed offsets (transitions during a restart are not lost).
std::map<std::string, std::string> PresenceGroupOverrides();

}  // namespace fleet::presence
