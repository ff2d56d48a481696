#pragma once

#include <atomic>
#include <string>

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

// Reads `fleet.presence` from its end (every replica sees every transition) and feeds the
// WatchHub. Run() loops on one thread until `stop`.
class PresenceFeed {
 public:
  PresenceFeed(kafka::Consumer& consumer, WatchHub& hub) : consumer_(consumer), hub_(hub) {}
  void Run(const std::atomic<bool>& stop);

 private:
  kafka::Consumer& consumer_;
  WatchHub& hub_;
};

}  // namespace fleet::online
