#pragma once

#include <atomic>
#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/kafka/consumer.h"
#include "services/device-config/domain/config_service.h"
#include "services/device-config/edge/config_pusher.h"
#include "services/device-config/edge/messages.h"

namespace fleet::devcfg {

// Applies one config.apply answer: an applied answer becomes ReportApplied(device, version,
// "applied", hash); a failed one becomes ReportFailed(device, version, why) (reported stays on
// what the device last applied; the desired version shows as FAILED). Either frees the push's in-flight slot (`pusher` may be null). Returns the
// store's error when it should be retried (UNAVAILABLE); unknown devices/versions are OK.
absl::Status ApplyAnswerToService(ConfigService& service, ConfigPusher* pusher, const ApplyAnswer& answer);

struct ResponseConsumerOptions {
  absl::Duration poll_timeout = absl::Milliseconds(100);
  absl::Duration max_age = absl::Minutes(10);
  absl::Duration max_future_skew = absl::Minutes(1);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Consumes edge.up in device-config's own consumer group and applies answers to config.apply
// (records not containing "config.apply" are skipped without decoding). At-least-once: a
// batch's offsets are marked after all its answers were applied; UNAVAILABLE is retried with
// back-off. ReportApplied never moves backwards, so redelivery is harmless. Run() on one thread.
class ConfigResponseConsumer {
 public:
  ConfigResponseConsumer(kafka::Consumer& consumer, ConfigService& service, ConfigPusher* pusher, Clock& clock,
                         ResponseConsumerOptions options = {})
      : consumer_(consumer), service_(service), pusher_(pusher), clock_(clock), options_(options) {}

  void Run(const std::atomic<bool>& stop);
  // Polls and applies one batch; returns the number of records consumed.
  absl::StatusOr<size_t> PollOnce(const std::atomic<bool>& stop);

 private:
  kafka::Consumer& consumer_;
  ConfigService& service_;
  ConfigPusher* const pusher_;
  Clock& clock_;
  const ResponseConsumerOptions options_;
};

}  // namespace fleet::devcfg
