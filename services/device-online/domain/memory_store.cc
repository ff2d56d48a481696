#include "services/device-online/domain/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fleet::online {

void MemoryStore::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

size_t MemoryStore::PendingTransitions() {
  absl::MutexLock l(&mu_);
  return outbox_.size();
}

void MemoryStore::Emit(Transition t) {
  t.id = absl::StrCat(next_id_++);
  outbox_.push_back(Pending{std::move(t), "", absl::InfinitePast()});
}

absl::Status MemoryStore::Touch(absl::Span<const Sighting> sightings, absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const Sighting& s : sightings) {
    auto [it, inserted] = devices_.try_emplace(s.device_id);
    Presence& p = it->second;
    if (inserted) {
      p.device_id = s.device_id;
      p.last_seen = absl::InfinitePast();
    }
    if (s.seen > p.last_seen) {
      p.last_seen = s.seen;
      if (!s.board.empty()) p.board = s.board;
    }
    if (inserted || p.state == State::kOffline) {
      p.state = State::kOnline;
      p.state_changed = now;
      Emit(Transition{"", p.device_id, State::kOnline, now, p.last_seen, "uplink"});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> MemoryStore::SweepOffline(absl::Time cutoff, absl::Time now, int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  // Oldest first, like the sorted set in Redis.
  std::vector<Presence*> silent;
  for (auto& [id, p] : devices_) {
    if (p.state == State::kOnline && p.last_seen < cutoff) silent.push_back(&p);
  }
  std::sort(silent.begin(), silent.end(), [](const Presence* a, const Presence* b) {
    return a->last_seen != b->last_seen ? a->last_seen < b->last_seen : a->device_id < b->device_id;
  });
  int n = 0;
  for (Presence* p : silent) {
    if (n == limit) break;
    p->state = State::kOffline;
    p->state_changed = now;
    Emit(Transition{"", p->device_id, State::kOffline, now, p->last_seen, "timeout"});
    ++n;
  }
  return n;
}

absl::StatusOr<std::optional<Presence>> MemoryStore::Get(std::string_view device_id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = devices_.find(std::string(device_id));
  if (it == devices_.end()) return std::optional<Presence>();
  return std::optional<Presence>(it->second);
}

absl::StatusOr<std::vector<Presence>> MemoryStore::BatchGet(absl::Span<const std::string> ids) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<Presence> out;
  for (const std::string& id : ids) {
    auto it = devices_.find(id);
    if (it != devices_.end()) out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<PresenceStore::Page> MemoryStore::List(StateFilter filter, std::string_view after_id,
                                                      int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto matches = [filter](const Presence& p) {
    return filter == StateFilter::kAll ||
           (filter == StateFilter::kOnline) == (p.state == State::kOnline);
  };
  Page page;
  for (const auto& [id, p] : devices_) {
    if (!matches(p)) continue;
    ++page.total;
    if (!after_id.empty() && id <= after_id) continue;
    if (static_cast<int>(page.items.size()) < limit) {
      page.items.push_back(p);
    } else {
      page.more = true;
    }
  }
  return page;
}

absl::StatusOr<std::vector<Transition>> MemoryStore::Claim(std::string_view consumer, int max,
                                                           absl::Duration reclaim_idle) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  const absl::Time now = clock_.Now();
  std::vector<Transition> out;
  for (Pending& p : outbox_) {
    if (static_cast<int>(out.size()) == max) break;
    if (!p.owner.empty() && p.owner != consumer && now - p.claimed_at < reclaim_idle) continue;
    p.owner = std::string(consumer);
    p.claimed_at = now;
    out.push_back(p.transition);
  }
  return out;
}

absl::Status MemoryStore::Ack(absl::Span<const std::string> ids) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const std::string& id : ids) {
    outbox_.erase(std::remove_if(outbox_.begin(), outbox_.end(),
                                 [&](const Pending& p) { return p.transition.id == id; }),
                  outbox_.end());
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::Report(std::map<std::string, absl::Time> caught_up_to) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (auto& [k, v] : caught_up_to) watermarks_[k] = v;
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, absl::Time>> MemoryStore::GetAll() {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  return watermarks_;
}

}  // namespace fleet::online
