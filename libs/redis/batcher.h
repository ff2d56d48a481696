#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/redis/client.h"
#include "libs/redis/reply.h"
#include "libs/redis/script.h"

namespace fleet::redis {

struct BatcherOptions {
  size_t max_batch = 256;  // most calls in one pipeline
  int max_inflight = 2;    // pipelines on the wire at once (each on its own pooled connection)
};

// Implicit pipelining of one script's calls made by many threads (group commit): a caller that
// finds fewer than max_inflight pipelines on the wire sends its call at once; callers arriving
// while max_inflight pipelines are out queue, and the next sender to finish hands its role to
// the oldest of them, who sends every queued call (up to max_batch) as one pipeline and hands
// each caller its own reply. With
// one caller at a time this is a plain EVALSHA, so nothing waits for a batch to fill; under load
// the calls that arrive during a round trip share the next one, so the socket writes, reads and
// wake-ups per call fall with the load instead of queueing behind one connection.
//
// Each call is still its own EVALSHA (atomic on its own). Errors as EvalPipelined: a call's
// error reply is returned to that caller as a kError Reply; when the pipeline fails every call
// in it gets the UNAVAILABLE status (some of them may have run). Thread-safe.
class ScriptBatcher {
 public:
  ScriptBatcher(Client& client, const Script& script, BatcherOptions options = {});

  absl::StatusOr<Reply> Eval(const EvalCall& call);

  struct Stats {
    int64_t calls = 0;
    int64_t pipelines = 0;
    int64_t max_pipeline = 0;  // most calls sent in one pipeline
  };
  Stats stats();

 private:
  struct Slot;

  Client& client_;
  const Script& script_;
  const BatcherOptions options_;
  absl::Mutex mu_;
  std::deque<Slot*> queue_ ABSL_GUARDED_BY(mu_);
  int inflight_ ABSL_GUARDED_BY(mu_) = 0;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::redis
