#pragma once

#include <string>

#include "libs/kafka/producer.h"
#include "services/tunnel/domain/ports.h"

namespace fleet::tunnel {

struct KafkaChannelOptions {
  std::string downlink_template = "edge.{device_id}.down";
  std::string sender = "tunnel";
  // Where devices answer; empty = the shared uplink topic (consumed by ResponseConsumer).
  std::string reply_to;
};

// DeviceChannel over Kafka: tunnel.start / tunnel.stop / tunnel.extend as JSON envelopes on the device's
// downlink topic, keyed by device id (see messages.h). Thread-safe; does not wait for delivery.
// Errors are Producer::Send's (RESOURCE_EXHAUSTED, INVALID_ARGUMENT, UNAVAILABLE).
class KafkaDeviceChannel : public DeviceChannel {
 public:
  KafkaDeviceChannel(kafka::Producer& producer, KafkaChannelOptions options, Clock& clock)
      : producer_(producer), options_(std::move(options)), clock_(clock) {}

  absl::Status SendStart(const StartRequest& request) override;
  absl::Status SendStop(std::string_view device_id, std::string_view session_id,
                        std::string_view reason) override;
  absl::Status SendExtend(std::string_view device_id, std::string_view session_id,
                          absl::Duration auto_stop_in) override;

 private:
  kafka::Producer& producer_;
  const KafkaChannelOptions options_;
  Clock& clock_;
};

}  // namespace fleet::tunnel
