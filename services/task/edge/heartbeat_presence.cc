#include "services/task/edge/heartbeat_presence.h"

#include "libs/kafka/envelope.h"
#include "services/task/edge/messages.h"

namespace fleet::task::testing {

absl::StatusOr<std::map<std::string, DevicePresence>> HeartbeatPresence::Lookup(
    const std::vector<std::string>& ids) {
  absl::MutexLock l(&mu_);
  std::map<std::string, DevicePresence> out;
  const absl::Time now = absl::Now();
  for (const std::string& id : ids) {
    auto it = seen_.find(id);
    if (it == seen_.end()) continue;
    out[id] = DevicePresence{now - it->second.first < window_, it->second.second};
  }
  return out;
}

void HeartbeatPresence::Run(kafka::Consumer& consumer, const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<std::vector<kafka::Message>> batch = consumer.Poll(1000, absl::Milliseconds(100));
    if (!batch.ok()) continue;
    for (const kafka::Message& m : *batch) {
      absl::StatusOr<kafka::Envelope> e = kafka::Decode(m.payload, m.HeaderValue(kafka::kContentTypeHeader));
      if (!e.ok()) continue;
      std::optional<Uplink> u = ParseUplink(*e);
      if (!u || u->kind != Uplink::Kind::kHeartbeat) continue;
      absl::MutexLock l(&mu_);
      seen_[u->device_id] = {absl::Now(), u->firmware};
    }
  }
}

int HeartbeatPresence::Online() {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (const auto& [id, s] : seen_) n += absl::Now() - s.first < window_;
  return n;
}

int HeartbeatPresence::OnVersion(const std::string& prefix, const std::string& version) {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (const auto& [id, s] : seen_) n += id.rfind(prefix, 0) == 0 && s.second == version;
  return n;
}

}  // namespace fleet::task::testing
