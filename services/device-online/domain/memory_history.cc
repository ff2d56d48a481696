#include "services/device-online/domain/memory_history.h"

#include <algorithm>
#include <tuple>
#include <vector>

namespace fleet::online {

void MemoryPresenceHistory::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

absl::Status MemoryPresenceHistory::Publish(absl::Span<const Transition> transitions) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const Transition& t : transitions) by_id_.try_emplace(t.id, t);  // first write wins
  return absl::OkStatus();
}

absl::StatusOr<PresenceHistory::Page> MemoryPresenceHistory::ListForDevice(const Query& query) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  // "Newer" = later time, then larger id: page order is descending in (time, id).
  auto newer = [](const Transition& a, const Transition& b) {
    return std::tie(a.time, a.id) > std::tie(b.time, b.id);
  };
  std::vector<Transition> rows;
  for (const auto& [id, t] : by_id_) {
    if (t.device_id != query.device_id || t.time < query.since) continue;
    if (query.after && !(std::tie(t.time, t.id) < std::tie(query.after->time, query.after->id))) continue;
    rows.push_back(t);
  }
  std::sort(rows.begin(), rows.end(), newer);
  Page page;
  page.more = static_cast<int>(rows.size()) > query.limit;
  if (page.more) rows.resize(query.limit);
  page.items = std::move(rows);
  return page;
}

}  // namespace fleet::online
