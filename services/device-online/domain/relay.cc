#include "services/device-online/domain/relay.h"

#include <vector>

namespace fleet::online {

absl::StatusOr<int> Relay::RunOnce() {
  absl::StatusOr<std::vector<Transition>> claimed = outbox_.Claim(consumer_, batch_, reclaim_idle_);
  if (!claimed.ok()) return claimed.status();
  if (claimed->empty()) return 0;
  for (TransitionSink* sink : sinks_) {
    absl::Status st = sink->Publish(*claimed);
    if (!st.ok()) return st;  // not acknowledged: retried by this or another replica
  }
  std::vector<std::string> ids;
  ids.reserve(claimed->size());
  for (const Transition& t : *claimed) ids.push_back(t.id);
  absl::Status st = outbox_.Ack(ids);
  if (!st.ok()) return st;
  return static_cast<int>(claimed->size());
}

}  // namespace fleet::online
