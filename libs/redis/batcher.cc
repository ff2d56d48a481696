#include "libs/redis/batcher.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"

namespace fleet::redis {

// One caller's call. A waiting caller is woken exactly once, by its own notification: either
// its reply is in (done) or it was chosen to send the next pipeline (send). It never needs the
// shared mutex again after being queued, so replies reach a batch's callers without a convoy.
struct ScriptBatcher::Slot {
  const EvalCall* call;
  absl::StatusOr<Reply> result = absl::UnknownError("not sent");
  bool done = false;
  bool send = false;
  absl::Notification woken;
};

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
  Slot slot;
  slot.call = &call;
  {
    absl::MutexLock lock(&mu_);
    ++stats_.calls;
    if (inflight_ < options_.max_inflight) {
      ++inflight_;
      slot.send = true;
    } else {
      queue_.push_back(&slot);
    }
  }
  if (!slot.send) {
    slot.woken.WaitForNotification();
    if (slot.done) return std::move(slot.result);
  }
  // This caller sends: itself first, then whoever queued meanwhile (up to max_batch).
  std::vector<Slot*> batch = {&slot};
  {
    absl::MutexLock lock(&mu_);
    while (batch.size() < options_.max_batch && !queue_.empty()) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++stats_.pipelines;
    stats_.max_pipeline = std::max<int64_t>(stats_.max_pipeline, static_cast<int64_t>(batch.size()));
  }
  std::vector<EvalCall> calls;
  calls.reserve(batch.size());
  for (Slot* s : batch) calls.push_back(*s->call);
  absl::StatusOr<std::vector<Reply>> replies = EvalPipelined(client_, script_, calls);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = replies.ok() ? absl::StatusOr<Reply>(std::move((*replies)[i]))
                                    : absl::StatusOr<Reply>(replies.status());
    batch[i]->done = true;
    if (i > 0) batch[i]->woken.Notify();  // after this, batch[i] may be gone
  }
  // Hand the sender's role to the oldest waiter, if any; else give the slot back.
  Slot* next = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (!queue_.empty()) {
      next = queue_.front();
      queue_.pop_front();
    } else {
      --inflight_;
    }
  }
  if (next != nullptr) {
    next->send = true;
    next->woken.Notify();
  }
  return std::move(slot.result);
}

ScriptBatcher::Stats ScriptBatcher::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace fleet::redis
