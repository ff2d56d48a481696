#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/message.h"

namespace fleet::kafka {

struct ProducerOptions {
  std::string bootstrap;  // "host:port,host:port"
  // librdkafka properties; they win over the defaults (linger.ms=5,
  // enable.idempotence=true, compression.type=none, message.timeout.ms=60000, ...).
  std::map<std::string, std::string> overrides;
};

// An asynchronous Kafka producer (librdkafka). Thread-safe: any number of
// threads may call Send concurrently. A background thread serves delivery
// reports. The destructor flushes for up to 5 s, then drops what is left.
class Producer {
 public:
  // INVALID_ARGUMENT for a bad bootstrap or a rejected librdkafka property.
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues one record (copies all arguments) and returns without waiting for
  // delivery. RESOURCE_EXHAUSTED when the local queue stays full for ~100 ms;
  // INVALID_ARGUMENT for an oversized message or bad topic name; UNAVAILABLE for
  // other enqueue failures. Delivery failures later are counted
  // (DeliveryFailures()) and logged, rate-limited.
  absl::Status Send(std::string_view topic, std::string_view key, std::string_view payload,
                    const std::vector<Header>& headers = {});

  // Waits until every enqueued record is delivered or failed.
  // DEADLINE_EXCEEDED if some are still in flight after `timeout`.
  absl::Status Flush(absl::Duration timeout);

  // Records that failed delivery since creation.
  int64_t DeliveryFailures() const { return delivery_failures_.load(std::memory_order_relaxed); }

 private:
  explicit Producer(rd_kafka_t* rk);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  void PollLoop();

  rd_kafka_t* rk_;
  std::atomic<int64_t> delivery_failures_{0};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace fleet::kafka
