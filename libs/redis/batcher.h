#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "libs/batching/group_commit.h"
#include "libs/redis/client.h"
#include "libs/redis/reply.h"
#include "libs/redis/script.h"

namespace fleet::redis {

using BatcherOptions = batching::GroupCommitOptions;  // max_batch = most calls in one pipeline

// Implicit pipelining of one script's calls made by many threads (group commit, see
// batching::GroupCommit): a caller that finds fewer than max_inflight pipelines on the wire sends
// its call at once (each pipeline on its own pooled connection); callers arriving meanwhile share
// the next pipeline. With one caller at a time this is a plain EVALSHA, so nothing waits for a
// batch to fill; under load the calls that arrive during a round trip share the next one, so the
// socket writes, reads and wake-ups per call fall with the load instead of queueing behind one
// connection.
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
  batching::GroupCommit<EvalCall, absl::StatusOr<Reply>> group_;
};

}  // namespace fleet::redis
