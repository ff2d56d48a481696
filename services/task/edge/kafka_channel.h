#pragma once

#include <string>

#include "libs/kafka/producer.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

struct KafkaChannelOptions {
  std::string downlink_template = "edge.{device_id}.down";
  std::string sender = "task";
  // Where devices answer; empty = the shared uplink topic (consumed by UplinkConsumer).
  std::string reply_to;
};

// DeviceChannel over Kafka: firmware.upgrade / command.run as JSON envelopes on the device's
// downlink topic, keyed by device id (see messages.h). Thread-safe; enqueues without waiting for
// delivery. Errors: Producer::Send's (RESOURCE_EXHAUSTED, INVALID_ARGUMENT, UNAVAILABLE).
class KafkaDeviceChannel : public DeviceChannel {
 public:
  KafkaDeviceChannel(kafka::Producer& producer, KafkaChannelOptions options, Clock& clock)
      : producer_(producer), options_(std::move(options)), clock_(clock) {}

  absl::Status Send(const DeviceRequest& request) override;
  // Producer::Flush; UNAVAILABLE when a delivery failed meanwhile (maybe another thread's
  // record: erring on the side of re-sending, which devices dedupe by request id).
  absl::Status Flush() override;

 private:
  kafka::Producer& producer_;
  const KafkaChannelOptions options_;
  Clock& clock_;
  absl::Duration flush_timeout_ = absl::Seconds(10);
};

}  // namespace fleet::task
