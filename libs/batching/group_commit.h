#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace fleet::batching {

struct GroupCommitOptions {
  size_t max_batch = 256;  // most calls in one batch
  int max_inflight = 2;    // batches out at once
};

struct GroupCommitStats {
  int64_t calls = 0;
  int64_t batches = 0;
  int64_t max_batch = 0;  // most calls sent in one batch
};

// Implicit batching of calls made by many threads (group commit). A caller that finds fewer
// than max_inflight batches out sends its call at once, as a batch of one; callers arriving while
// max_inflight batches are out queue, and the next sender to finish hands its role to the oldest
// of them, who sends every queued call (up to max_batch) as one batch and hands each caller its
// own result. With one caller at a time nothing waits for a batch to fill; under load the calls
// that arrive during a round trip share the next one, so round trips, wake-ups and per-call work
// of the far side fall with the load instead of queueing.
//
// `send` gets the batch's inputs (the sender's first) and returns exactly one result per input,
// in order; it runs on the sending caller's thread, never under a lock. Thread-safe.
template <typename In, typename Out>
class GroupCommit {
 public:
  using Send = std::function<std::vector<Out>(const std::vector<const In*>&)>;

  GroupCommit(GroupCommitOptions options, Send send) : options_(Normalized(options)), send_(std::move(send)) {}

  Out Call(const In& in) {
    Slot slot;
    slot.in = &in;
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
      if (slot.out.has_value()) return std::move(*slot.out);
    }
    // This caller sends: itself first, then whoever queued meanwhile (up to max_batch).
    std::vector<Slot*> batch = {&slot};
    {
      absl::MutexLock lock(&mu_);
      while (batch.size() < options_.max_batch && !queue_.empty()) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      ++stats_.batches;
      stats_.max_batch = std::max<int64_t>(stats_.max_batch, static_cast<int64_t>(batch.size()));
    }
    std::vector<const In*> inputs;
    inputs.reserve(batch.size());
    for (Slot* s : batch) inputs.push_back(s->in);
    std::vector<Out> outs = send_(inputs);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->out.emplace(std::move(outs.at(i)));
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
    return std::move(*slot.out);
  }

  GroupCommitStats stats() {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

 private:
  // One caller's call. A waiting caller is woken exactly once, by its own notification: either
  // its result is in (out) or it was chosen to send the next batch (send). It never needs the
  // shared mutex again after being queued, so results reach a batch's callers without a convoy.
  struct Slot {
    const In* in = nullptr;
    std::optional<Out> out;
    bool send = false;
    absl::Notification woken;
  };

  static GroupCommitOptions Normalized(GroupCommitOptions o) {
    o.max_batch = std::max<size_t>(o.max_batch, 1);
    o.max_inflight = std::max(o.max_inflight, 1);
    return o;
  }

  const GroupCommitOptions options_;
  const Send send_;
  absl::Mutex mu_;
  std::deque<Slot*> queue_ ABSL_GUARDED_BY(mu_);
  int inflight_ ABSL_GUARDED_BY(mu_) = 0;
  GroupCommitStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::batching
