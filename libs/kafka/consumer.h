#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/message.h"

namespace fleet::kafka {

struct ConsumerOptions {
  std::string bootstrap;            // "host:port,host:port"
  std::string group_id;             // consumer group; required unless assign_all_from_end
  std::vector<std::string> topics;  // subscribed (group mode) or assigned (see below)
  // librdkafka properties; they win over the defaults (auto.offset.reset=earliest,
  // enable.auto.offset.store=false, enable.auto.commit=true every 5 s,
  // partition.assignment.strategy=range,roundrobin (eager; cooperative-sticky
  // rejoins take twice as long on kafka-dev), fetch.wait.max.ms=100, ...).
  std::map<std::string, std::string> overrides;
  // No group: every partition of `topics` is assigned to this consumer starting
  // at the partition's end as of Create (a record produced after Create returns
  // is never missed). group_id must be empty; MarkProcessed/CommitSync are
  // no-ops. For a replica's private reply topic.
  bool assign_all_from_end = false;
};

// A Kafka consumer (librdkafka high-level consumer) with at-least-once
// delivery: offsets are stored only by MarkProcessed (enable.auto.offset.store
// =false) and committed by the periodic auto-commit, CommitSync or Close.
// Not thread-safe: use from one thread at a time. The destructor calls Close.
class Consumer {
 public:
  // INVALID_ARGUMENT for bad options or a rejected librdkafka property;
  // UNAVAILABLE when assign_all_from_end cannot reach the cluster.
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(const ConsumerOptions& options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Returns up to `max` records, waiting at most `timeout` for the first one
  // (an empty vector when none arrived). Transient consumer errors are logged
  // (rate-limited) and skipped; INTERNAL on a fatal client error,
  // FAILED_PRECONDITION after Close.
  absl::StatusOr<std::vector<Message>> Poll(size_t max, absl::Duration timeout);

  // Stores the offsets after the highest record of each partition in `batch`;
  // call after the batch is fully applied. Partitions this consumer no longer
  // owns (after a rebalance) are skipped: their records will be redelivered to
  // the new owner. INTERNAL on other errors.
  absl::Status MarkProcessed(const std::vector<Message>& batch);

  // Commits the stored offsets now (synchronous). UNAVAILABLE on failure.
  absl::Status CommitSync();

  // Per assigned partition: {topic, partition, position (next offset to read,
  // -1001 if not known yet), high watermark (-1001 if unknown)} from librdkafka's
  // cached state (no broker round trip).
  struct PartitionLag {
    std::string topic;
    int32_t partition;
    int64_t position;
    int64_t high_watermark;
  };
  std::vector<PartitionLag> Lag();

  // Commits stored offsets and leaves the group. Idempotent.
  absl::Status Close();

 private:
  Consumer(rd_kafka_t* rk, bool has_group) : rk_(rk), has_group_(has_group) {}
  absl::Status AssignAllFromEnd(const std::vector<std::string>& topics);

  rd_kafka_t* rk_;
  bool has_group_;
  bool closed_ = false;
};

}  // namespace fleet::kafka
