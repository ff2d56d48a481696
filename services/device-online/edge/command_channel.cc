#include "services/device-online/edge/command_channel.h"

#include "absl/strings/str_cat.h"

namespace fleet::online {

absl::StatusOr<CommandResult> KafkaCommandChannel::Call(const CommandRequest& request, absl::Time deadline) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.type = request.type;
  e.description = "live command";
  e.body_json = request.body_json;
  absl::StatusOr<kafka::Envelope> answer = client_.Call(request.device_id, std::move(e), deadline, request.traceparent);
  if (!answer.ok()) return answer.status();
  CommandResult r;
  r.request_id = answer->id;
  r.status_code = answer->overall_status_code;
  r.status = answer->overall_status;
  r.description = answer->description;
  r.body_json = answer->body_json;
  r.answer_time = answer->timestamp;
  return r;
}

std::string ReplyTopicFor(std::string_view prefix, std::string_view replica_id) {
  std::string topic = absl::StrCat(std::string(prefix), std::string(replica_id));
  for (char& c : topic) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return topic.substr(0, 249);
}

}  // namespace fleet::online
