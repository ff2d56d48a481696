#pragma once

#include <atomic>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "services/device-online/domain/ports.h"
#include "services/device-online/domain/watch_hub.h"

namespace fleet::online {

// Encodes a transition as the JSON of fleet.presence.v1.PresenceTransition (the format of the
// `fleet.presence` topic) and back.
std::string EncodeTransition(const Transition& t);
absl::StatusOr<Transition> DecodeTransition(std::string_view json);

// Publishes transitions to `fleet.presence`, keyed by device id, and waits until the broker has
// them (so the outbox entry is acknowledged only after a durable send). Thread-safe.
class KafkaTransitionSink : public TransitionSink {
 public:
  KafkaTransitionSink(kafka::Producer& producer, std::string topic,
                      absl::Duration timeout = absl::Seconds(10))
      : producer_(producer), topic_(std::move(topic)), timeout_(timeout) {}
  absl::Status Publish(absl::Span<const Transition> transitions) override;

 private:
  kafka::Producer& producer_;
  const std::string topic_;
  const absl::Duration timeout_;
};

// Keeps, per device, only transitions newer than the newest one already let through.
//
// Transitions reach `fleet.presence` in the order their outbox entries are relayed, which is not
// always the order they happened: when a replica dies holding an entry it had read but not yet
// published, another replica's relay claims it later, after newer transitions of the same device
// were published. Transition ids are the store's outbox stream ids ("<ms>-<seq>", ordered as the
// state changes were made), so the late entry is recognised as older and dropped: a watcher never
// ends on a state the device has already left. Ids that are not "<ms>-<seq>" pass through. Not
// thread-safe (the feed's thread owns it).
class StaleTransitionFilter {
 public:
  // Removes the transitions older than (or equal to) one already let through for their device;
  // returns how many were removed.
  size_t Filter(std::vector<Transition>& transitions);

 private:
  absl::flat_hash_map<std::string, std::pair<int64_t, int64_t>> newest_;
};

// Reads `fleet.presence` from its end (every replica sees every transition) and feeds the
// WatchHub, without transitions older than one already fed for the same device (see
// StaleTransitionFilter). Run() loops on one thread until `stop`.
class PresenceFeed {
 public:
  PresenceFeed(kafka::Consumer& consumer, WatchHub& hub) : consumer_(consumer), hub_(hub) {}
  void Run(const std::atomic<bool>& stop);

 private:
  kafka::Consumer& consumer_;
  WatchHub& hub_;
  StaleTransitionFilter stale_;
};

}  // namespace fleet::online
