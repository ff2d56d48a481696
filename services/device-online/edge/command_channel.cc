#include "services/device-online/edge/command_channel.h"

#include "absl/strings/str_cat.h"
#include "libs/trace/span.h"
#include "libs/trace/trace.h"

namespace fleet::online {

absl::StatusOr<CommandResult> KafkaCommandChannel::Call(const CommandRequest& request, absl::Time deadline) {
  // One span for the Kafka round trip (request on the downlink topic, answer on our reply
  // topic); the device continues the trace from its traceparent header.
  trace::TraceContext parent;
  if (auto tp = trace::ParseTraceparent(request.traceparent); tp.ok()) parent = *tp;
  trace::Span span(absl::StrCat("kafka ", request.type), trace::SpanKind::kProducer, parent);
  span.SetAttribute("messaging.system", "kafka");
  span.SetAttribute("messaging.operation", "request-reply");
  span.SetAttribute("device.id", request.device_id);
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.type = request.type;
  e.description = "live command";
  e.body_json = request.body_json;
  absl::StatusOr<kafka::Envelope> answer =
      client_.Call(request.device_id, std::move(e), deadline, trace::FormatTraceparent(span.context()));
  if (!answer.ok()) {
    span.SetError(std::string(answer.status().message()));
    return answer.status();
  }
  span.SetAttribute("device.status_code", static_cast<int64_t>(answer->overall_status_code));
  span.SetOk();
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
