#include "edge/sim/heartbeat.h"

#include <cstdio>

#include "libs/kafka/envelope.h"

namespace fleet::sim {
namespace {

kafka::Envelope Build(const Heartbeat& h, const std::string& message_id) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kEvent;
  e.id = message_id;
  e.sender = "edge/" + h.device_id;
  e.timestamp = h.at;
  e.type = "heartbeat";
  char body[256];
  snprintf(body, sizeof(body),
           R"({"cpu":%.1f,"mem":%.1f,"temperature":%.1f,"firmware":"%s","signal":%d})", h.cpu,
           h.mem, h.temperature, h.firmware ? h.firmware->c_str() : "", h.signal);
  e.body_json = body;
  return e;
}

}  // namespace

std::string HeartbeatJson(const Heartbeat& h, const std::string& message_id) {
  return kafka::EncodeJson(Build(h, message_id));
}

std::string HeartbeatProto(const Heartbeat& h, const std::string& message_id) {
  return kafka::EncodeProto(Build(h, message_id));
}

}  // namespace fleet::sim
