#include "libs/redis/batcher.h"

#include <utility>
#include <vector>

namespace fleet::redis {

ScriptBatcher::ScriptBatcher(Client& client, const Script& script, BatcherOptions options)
    : group_(options, [&client, &script](const std::vector<const EvalCall*>& batch) {
        std::vector<EvalCall> calls;
        calls.reserve(batch.size());
        for (const EvalCall* c : batch) calls.push_back(*c);
        absl::StatusOr<std::vector<Reply>> replies = EvalPipelined(client, script, calls);
        std::vector<absl::StatusOr<Reply>> out;
        out.reserve(batch.size());
        for (size_t i = 0; i < batch.size(); ++i) {
          out.push_back(replies.ok() ? absl::StatusOr<Reply>(std::move((*replies)[i]))
                                     : absl::StatusOr<Reply>(replies.status()));
        }
        return out;
      }) {}

absl::StatusOr<Reply> ScriptBatcher::Eval(const EvalCall& call) { return group_.Call(call); }

ScriptBatcher::Stats ScriptBatcher::stats() {
  const batching::GroupCommitStats st = group_.stats();
  return Stats{.calls = st.calls, .pipelines = st.batches, .max_pipeline = st.max_batch};
}

}  // namespace fleet::redis
