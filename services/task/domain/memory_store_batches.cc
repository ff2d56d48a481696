// MemoryStore::ListBatches: the reference semantics of per-batch progress (pg: kBatchList).
#include <algorithm>
#include <map>

#include "services/task/domain/memory_store.h"

namespace fleet::task {

absl::StatusOr<Page<BatchProgress>> MemoryStore::ListBatches(std::string_view campaign_id,
                                                             int after_batch, int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::map<int, BatchProgress> batches;
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id != campaign_id || e.batch < 0 || e.batch <= after_batch) continue;
    auto [it, added] = batches.try_emplace(e.batch);
    BatchProgress& b = it->second;
    if (added) {
      b.batch = e.batch;
      b.started = e.sent_time;
      b.updated = e.state_time;
    }
    b.counts.Add(e.state);
    b.started = std::min(b.started, e.sent_time);
    b.updated = std::max(b.updated, e.state_time);
  }
  Page<BatchProgress> page;
  for (auto& [index, b] : batches) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(std::move(b));
  }
  return page;
}

}  // namespace fleet::task
