#include "services/task/edge/kafka_channel.h"

#include "libs/kafka/envelope.h"
#include "services/task/edge/messages.h"

namespace fleet::task {

absl::Status KafkaDeviceChannel::Send(const DeviceRequest& request) {
  absl::StatusOr<kafka::Envelope> e =
      EncodeRequest(request, clock_.Now(), options_.sender, options_.reply_to);
  if (!e.ok()) return e.status();
  return producer_.Send(kafka::DownlinkTopic(options_.downlink_template, request.device_id),
                        request.device_id, kafka::EncodeJson(*e));
}

absl::Status KafkaDeviceChannel::Flush() {
  const int64_t failures = producer_.DeliveryFailures();
  if (absl::Status st = producer_.Flush(flush_timeout_); !st.ok()) return st;
  if (producer_.DeliveryFailures() != failures) {
    return absl::UnavailableError("a Kafka delivery failed while flushing device requests");
  }
  return absl::OkStatus();
}

}  // namespace fleet::task
