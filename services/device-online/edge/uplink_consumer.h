#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/kafka/consumer.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/device-online/domain/ingest.h"
#include "services/device-online/edge/processed_offsets.h"

namespace fleet::online {

// Metrics of the uplink path, declared together.
struct UplinkMetrics {
  explicit UplinkMetrics(prometheus::Registry& registry);
  prometheus::Counter& applied;
  prometheus::Counter& coalesced;
  prometheus::Counter& dropped_stale;
  prometheus::Counter& dropped_future;
  prometheus::Counter& dropped_malformed;
  prometheus::Counter& store_errors;
  // Records this process had already applied that came back (see ProcessedOffsets); skipped,
  // and not counted in presence_uplink_messages_total.
  prometheus::Counter& redelivered;
  prometheus::Histogram& batch_seconds;
  prometheus::Gauge& lag_messages;
};

struct UplinkConsumerOptions {
  // Most messages applied together. Under a backlog, batches fill up to this (for at most
  // `accumulate`) so that repeated messages of one device fold into one store write; when the
  // consumer is caught up, whatever arrived is applied at once.
  size_t batch = 50000;
  absl::Duration accumulate = absl::Milliseconds(200);
  absl::Duration poll_timeout = absl::Milliseconds(100);
  absl::Duration watermark_interval = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Consumes `edge.up` (in the service's consumer group), applies each batch through the Ingestor
// and only then marks its offsets processed: at-least-once, nothing skipped when Redis is down
// (the batch is retried with back-off, loudly). Reports per-partition ingest watermarks for the
// sweeper. One thread runs Run().
class UplinkConsumer {
 public:
  // `processed` is shared by all UplinkConsumers of the process.
  UplinkConsumer(kafka::Consumer& consumer, Ingestor& ingestor, WatermarkStore& watermarks,
                 UplinkMetrics& metrics, Clock& clock, ProcessedOffsets& processed,
                 UplinkConsumerOptions options = {})
      : consumer_(consumer),
        ingestor_(ingestor),
        watermarks_(watermarks),
        metrics_(metrics),
        clock_(clock),
        processed_(processed),
        options_(options) {}

  // Loops until `stop` becomes true, then commits what was processed.
  void Run(const std::atomic<bool>& stop);

  // Polls and applies one batch, retrying the store until it succeeds or `stop` is set.
  // Returns the number of messages consumed.
  absl::StatusOr<size_t> PollOnce(const std::atomic<bool>& stop);

  // Reports watermarks now (normally every watermark_interval from Run()).
  absl::Status ReportWatermarks();

 private:
  kafka::Consumer& consumer_;
  Ingestor& ingestor_;
  WatermarkStore& watermarks_;
  UplinkMetrics& metrics_;
  Clock& clock_;
  ProcessedOffsets& processed_;
  const UplinkConsumerOptions options_;
  // Newest device time applied, per "topic/partition".
  std::map<std::string, absl::Time> applied_up_to_;
};

}  // namespace fleet::online
