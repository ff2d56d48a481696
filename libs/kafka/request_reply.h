#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"

namespace fleet::kafka {

// Sends requests to devices and waits for their responses on this replica's
// own reply topic. Thread-safe: many Calls may wait concurrently. A background
// thread reads the reply topic (every partition, from its end at Create) and
// hands each response to the Call waiting for its id; responses nobody waits
// for (late, duplicate, or another replica's) are dropped and counted.
// Destroy it only after every Call has returned.
class RequestReplyClient {
 public:
  struct Options {
    std::string bootstrap;
    std::string reply_topic;  // must be unique to this replica
    std::string sender = "web_backend";
    std::string downlink_template = "edge.{device_id}.down";
  };

  // INVALID_ARGUMENT for bad options; UNAVAILABLE when the reply topic cannot
  // be read (it must exist or be auto-creatable).
  static absl::StatusOr<std::unique_ptr<RequestReplyClient>> Create(const Options& options);
  ~RequestReplyClient();
  RequestReplyClient(const RequestReplyClient&) = delete;
  RequestReplyClient& operator=(const RequestReplyClient&) = delete;

  // Sends `request` as a JSON envelope to DownlinkTopic(device_id), keyed by the
  // device id, with kind=request, id generated if empty, sender and reply_to
  // from Options, timestamp now, and a `traceparent` header when given. Waits
  // for the response with the same id until `deadline`.
  // Errors: INVALID_ARGUMENT (empty device id, body not a JSON object),
  // ALREADY_EXISTS (id already in flight), the Producer::Send error, or
  // DEADLINE_EXCEEDED with reason DEVICE_TIMEOUT (fleet::status::Reason).
  absl::StatusOr<Envelope> Call(std::string_view device_id, Envelope request, absl::Time deadline,
                                std::string_view traceparent = "");

  // Responses received that no Call was waiting for.
  int64_t UnmatchedResponses() const { return unmatched_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    bool done = false;
    Envelope response;
  };

  RequestReplyClient(Options options, std::unique_ptr<Producer> producer,
                     std::unique_ptr<Consumer> consumer);
  void ReceiveLoop();
  void Deliver(Envelope response);

  const Options options_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Consumer> consumer_;  // used only by receiver_
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> unmatched_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Pending>> pending_ ABSL_GUARDED_BY(mu_);
  std::thread receiver_;
};

}  // namespace fleet::kafka
