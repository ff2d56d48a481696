#pragma once

#include <memory>

#include "libs/kafka/request_reply.h"
#include "services/device-online/domain/command.h"

namespace fleet::online {

// CommandChannel over Kafka request/reply: the command goes to the device's downlink topic with
// reply_to = this replica's own reply topic, and the answer is matched by request id.
// Thread-safe (many commands wait at once).
class KafkaCommandChannel : public CommandChannel {
 public:
  explicit KafkaCommandChannel(kafka::RequestReplyClient& client) : client_(client) {}
  absl::StatusOr<CommandResult> Call(const CommandRequest& request, absl::Time deadline) override;

 private:
  kafka::RequestReplyClient& client_;
};

// "<prefix><replica id>" with every character outside [A-Za-z0-9._-] replaced by '_' (a valid,
// replica-unique Kafka topic name).
std::string ReplyTopicFor(std::string_view prefix, std::string_view replica_id);

}  // namespace fleet::online
