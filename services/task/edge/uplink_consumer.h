#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/consumer.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/task/domain/reports.h"
#include "services/task/edge/messages.h"

namespace fleet::task {

// Metrics of the uplink path, declared together.
struct UplinkMetrics {
  explicit UplinkMetrics(prometheus::Registry& registry);
  prometheus::Counter& applied;        // reports that changed an execution
  prometheus::Counter& superseded;     // progress folded into a later report of its batch
  prometheus::Counter& ignored;        // ours but stale, duplicate or for another device
  prometheus::Counter& unknown;        // our request id, but no such execution (skipped)
  prometheus::Counter& confirmed;      // executions confirmed by a reported version
  prometheus::Counter& dropped_stale;  // older than max_age (or from the future)
  prometheus::Counter& malformed;      // undecodable records that looked like ours
  prometheus::Counter& store_errors;   // retried
};

struct UplinkConsumerOptions {
  absl::Duration poll_timeout = absl::Milliseconds(100);
  size_t max_batch = 2000;
  absl::Duration max_age = absl::Minutes(10);
  absl::Duration max_future_skew = absl::Minutes(1);
  absl::Duration max_backoff = absl::Seconds(2);
};

// The domain's view of a decoded uplink message (a heartbeat becomes a version report).
DeviceReport ToReport(const Uplink& u);

// Applies decoded uplink messages as one batch (DeviceReports::ApplyBatch: one store
// transaction) and counts the outcomes. Returns the store's error (UNAVAILABLE / ABORTED:
// retry the same batch; nothing was applied).
absl::Status ApplyUplinks(DeviceReports& reports, const std::vector<Uplink>& uplinks,
                          UplinkMetrics& metrics);

// Consumes the shared uplink topic in the task service's own consumer group: answers to our
// requests (ids "task-..."), firmware.progress / task.log events, and heartbeats (their firmware
// version confirms upgrades). Other messages are skipped cheaply. Each polled batch is applied
// in one store transaction (ApplyUplinks). At-least-once: offsets are marked only after that
// transaction committed; retryable store errors are retried with back-off (loudly); a batch the
// store rejects otherwise is applied report by report (loudly), so one bad report cannot hold
// back the rest. Reports are idempotent, so redelivery is harmless. One thread runs Run().
class UplinkConsumer {
 public:
  UplinkConsumer(kafka::Consumer& consumer, DeviceReports& reports, UplinkMetrics& metrics,
                 Clock& clock, UplinkConsumerOptions options = {})
      : consumer_(consumer), reports_(reports), metrics_(metrics), clock_(clock), options_(options) {}

  // Loops until `stop`, then commits what was processed.
  void Run(const std::atomic<bool>& stop);
  // Polls and applies one batch; returns the number of records consumed.
  absl::StatusOr<size_t> PollOnce(const std::atomic<bool>& stop);

 private:
  // Retries `fn` while the store is unavailable; CANCELLED when stopping.
  absl::Status Retry(const std::atomic<bool>& stop, const std::function<absl::Status()>& fn);

  kafka::Consumer& consumer_;
  DeviceReports& reports_;
  UplinkMetrics& metrics_;
  Clock& clock_;
  const UplinkConsumerOptions options_;
};

}  // namespace fleet::task
