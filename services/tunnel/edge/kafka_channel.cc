#include "services/tunnel/edge/kafka_channel.h"

#include "libs/kafka/envelope.h"
#include "services/tunnel/edge/messages.h"

namespace fleet::tunnel {

absl::Status KafkaDeviceChannel::SendStart(const StartRequest& request) {
  const kafka::Envelope e = EncodeStart(request, clock_.Now(), options_.sender, options_.reply_to);
  return producer_.Send(kafka::DownlinkTopic(options_.downlink_template, request.device_id),
                        request.device_id, kafka::EncodeJson(e));
}

absl::Status KafkaDeviceChannel::SendStop(std::string_view device_id, std::string_view session_id,
                                          std::string_view reason) {
  const kafka::Envelope e =
      EncodeStop(session_id, reason, clock_.Now(), options_.sender, options_.reply_to);
  return producer_.Send(kafka::DownlinkTopic(options_.downlink_template, device_id), device_id,
                        kafka::EncodeJson(e));
}

absl::Status KafkaDeviceChannel::SendExtend(std::string_view device_id, std::string_view session_id,
                                            absl::Duration auto_stop_in) {
  const kafka::Envelope e = EncodeExtend(session_id, auto_stop_in, clock_.Now(), options_.sender, options_.reply_to);
  return producer_.Send(kafka::DownlinkTopic(options_.downlink_template, device_id), device_id,
                        kafka::EncodeJson(e));
}

}  // namespace fleet::tunnel
