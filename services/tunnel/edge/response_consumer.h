#pragma once

#include <atomic>
#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/consumer.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/edge/messages.h"

namespace fleet::tunnel {

// Metrics of the device-answer path, declared together.
struct ResponseMetrics {
  explicit ResponseMetrics(prometheus::Registry& registry);
  prometheus::Counter& applied;       // answers handed to the broker
  prometheus::Counter& unknown;       // answers for sessions that do not exist
  prometheus::Counter& wrong_device;  // answers from another device than the session's
  prometheus::Counter& dropped_stale; // older than max_age (or from the future)
  prometheus::Counter& malformed;     // undecodable records that looked like ours
  prometheus::Counter& late_stops;    // stops sent for starts answered after the session ended
  prometheus::Counter& store_errors;  // retried
};

// Applies one device answer through the broker: started -> OnStarted (and a tunnel.stop when
// the session had already ended), start failed -> OnStartFailed with the device's reason,
// stopped -> OnStopped, stop failed -> nothing (the sweep closes at the stop deadline).
// Answers whose sender is not the session's device, or for unknown sessions, change nothing
// (OK). Returns the broker's error otherwise (UNAVAILABLE: retry). `channel` may be null.
absl::Status ApplyAnswer(TunnelBroker& broker, DeviceChannel* channel, const DeviceAnswer& answer,
                         ResponseMetrics& metrics);

struct ResponseConsumerOptions {
  absl::Duration poll_timeout = absl::Milliseconds(100);
  absl::Duration max_age = absl::Minutes(10);
  absl::Duration max_future_skew = absl::Minutes(1);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Consumes the shared uplink topic in the tunnel service's own consumer group and applies the
// answers to our tunnel.start / tunnel.stop requests (recognised by their request ids; every
// other message is skipped cheaply). At-least-once: a batch's offsets are marked only after
// all its answers were applied; store errors are retried with back-off (loudly). The broker's
// transitions are idempotent, so redelivery is harmless. One thread runs Run().
class ResponseConsumer {
 public:
  ResponseConsumer(kafka::Consumer& consumer, TunnelBroker& broker, DeviceChannel* channel,
                   ResponseMetrics& metrics, Clock& clock, ResponseConsumerOptions options = {})
      : consumer_(consumer),
        broker_(broker),
        channel_(channel),
        metrics_(metrics),
        clock_(clock),
        options_(options) {}

  // Loops until `stop`, then commits what was processed.
  void Run(const std::atomic<bool>& stop);
  // Polls and applies one batch; returns the number of records consumed.
  absl::StatusOr<size_t> PollOnce(const std::atomic<bool>& stop);

 private:
  kafka::Consumer& consumer_;
  TunnelBroker& broker_;
  DeviceChannel* const channel_;
  ResponseMetrics& metrics_;
  Clock& clock_;
  const ResponseConsumerOptions options_;
};

}  // namespace fleet::tunnel
