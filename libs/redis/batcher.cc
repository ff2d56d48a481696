#include "libs/redis/batcher.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace fleet::redis {

struct ScriptBatcher::Slot {
  ScriptBatcher* owner;
  const EvalCall* call;
  absl::StatusOr<Reply> result;
  bool done = false;
};

// The wake-up condition of a waiting caller: its reply is in, or it may send the queue itself.
bool ScriptBatcher::Ready(Slot* slot) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const ScriptBatcher* b = slot->owner;
  return slot->done || (b->inflight_ < b->options_.max_inflight && !b->queue_.empty());
}

namespace {
BatcherOptions Normalized(BatcherOptions o) {
  o.max_batch = std::max<size_t>(o.max_batch, 1);
  o.max_inflight = std::max(o.max_inflight, 1);
  return o;
}
}  // namespace

ScriptBatcher::ScriptBatcher(Client& client, const Script& script, BatcherOptions options)
    : client_(client), script_(script), options_(Normalized(options)) {}

absl::StatusOr<Reply> ScriptBatcher::Eval(const EvalCall& call) {
  Slot slot{this, &call, absl::UnknownError("not sent"), false};
  absl::MutexLock lock(&mu_);
  queue_.push_back(&slot);
  ++stats_.calls;
  while (true) {
    mu_.Await(absl::Condition(&ScriptBatcher::Ready, &slot));
    if (slot.done) break;
    // Send what is queued (up to max_batch; the rest goes with the next free sender).
    std::vector<Slot*> batch;
    const size_t n = std::min(queue_.size(), options_.max_batch);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    ++inflight_;
    ++stats_.pipelines;
    stats_.max_pipeline = std::max<int64_t>(stats_.max_pipeline, static_cast<int64_t>(n));
    std::vector<EvalCall> calls;
    calls.reserve(n);
    for (Slot* s : batch) calls.push_back(*s->call);
    mu_.Unlock();
    absl::StatusOr<std::vector<Reply>> replies = EvalPipelined(client_, script_, calls);
    mu_.Lock();
    --inflight_;
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = replies.ok() ? absl::StatusOr<Reply>(std::move((*replies)[i]))
                                      : absl::StatusOr<Reply>(replies.status());
      batch[i]->done = true;
    }
  }
  return std::move(slot.result);
}

ScriptBatcher::Stats ScriptBatcher::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace fleet::redis
