#include "services/device-online/edge/processed_offsets.h"

#include <algorithm>

namespace fleet::online {

bool ProcessedOffsets::Idle(const std::vector<Partition>* partitions) const {
  for (const Partition& p : *partitions) {
    auto it = state_.find(p);
    if (it != state_.end() && it->second.claimed > it->second.applied) return false;
  }
  return true;
}

std::vector<kafka::Message> ProcessedOffsets::Claim(std::vector<kafka::Message>& batch) {
  std::vector<Partition> partitions;
  for (const kafka::Message& m : batch) {
    Partition p(m.topic, m.partition);
    if (std::find(partitions.begin(), partitions.end(), p) == partitions.end()) partitions.push_back(std::move(p));
  }
  std::vector<kafka::Message> again;
  std::vector<kafka::Message> fresh;
  fresh.reserve(batch.size());
  struct Wait {
    const ProcessedOffsets* self;
    const std::vector<Partition>* partitions;
    static bool Idle(Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->self->Idle(w->partitions); }
  } wait{this, &partitions};
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&Wait::Idle, &wait));
  for (kafka::Message& m : batch) {
    State& s = state_[Partition(m.topic, m.partition)];
    if (m.offset < s.applied) {
      again.push_back(std::move(m));
    } else {
      s.claimed = std::max(s.claimed, m.offset + 1);
      fresh.push_back(std::move(m));
    }
  }
  batch = std::move(fresh);
  return again;
}

void ProcessedOffsets::Applied(const std::vector<kafka::Message>& batch) {
  absl::MutexLock lock(&mu_);
  for (const kafka::Message& m : batch) {
    State& s = state_[Partition(m.topic, m.partition)];
    s.applied = std::max(s.applied, m.offset + 1);
    s.claimed = std::max(s.claimed, s.applied);
  }
}

void ProcessedOffsets::Release(const std::vector<kafka::Message>& batch) {
  absl::MutexLock lock(&mu_);
  for (const kafka::Message& m : batch) {
    auto it = state_.find(Partition(m.topic, m.partition));
    if (it != state_.end()) it->second.claimed = it->second.applied;
  }
}

}  // namespace fleet::online
