#include "services/task/domain/memory_store.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>

#include "absl/status/status.h"
#include "services/task/domain/errors.h"
#include "services/task/domain/execution_machine.h"

namespace fleet::task {
namespace {

// Newest-first order of (time, id) and "strictly after the cursor" in that order.
bool After(absl::Time t, const std::string& id, const Cursor& c) {
  if (c.id.empty() && c.time == absl::InfiniteFuture()) return true;
  return std::tie(t, id) < std::tie(c.time, c.id);
}

template <typename T>
Page<T> Take(std::vector<T> items, int limit) {
  Page<T> p;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    p.more = true;
  }
  p.items = std::move(items);
  return p;
}

}  // namespace

#define TASK_CHECK_FAIL() \
  if (!fail_.ok()) return fail_

void MemoryStore::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

absl::StatusOr<Artifact> MemoryStore::CreateArtifact(const Artifact& a) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  for (const auto& [id, other] : artifacts_) {
    if (other.kind == a.kind && other.display_name == a.display_name && other.version == a.version) {
      return ArtifactExists(id);
    }
  }
  if (artifacts_.count(a.id)) return absl::AlreadyExistsError("duplicate artifact id");
  artifacts_[a.id] = a;
  return a;
}

absl::StatusOr<std::optional<Artifact>> MemoryStore::GetArtifact(std::string_view id) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = artifacts_.find(std::string(id));
  if (it == artifacts_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<Page<Artifact>> MemoryStore::ListArtifacts(const Cursor& after, int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Artifact> out;
  for (const auto& [id, a] : artifacts_) {
    if (After(a.create_time, a.id, after)) out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const Artifact& x, const Artifact& y) {
    return std::tie(x.create_time, x.id) > std::tie(y.create_time, y.id);
  });
  return Take(std::move(out), limit);
}

absl::Status MemoryStore::DeleteArtifact(std::string_view id) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  if (!artifacts_.count(std::string(id))) return ArtifactNotFound(id);
  for (const auto& [cid, c] : campaigns_) {
    if (c.spec.artifact_id == id && !IsFinal(c.state)) return ArtifactInUse(cid);
  }
  artifacts_.erase(std::string(id));
  return absl::OkStatus();
}

void MemoryStore::AddExecution(const Campaign& c, const TargetDevice& t, absl::Time now) {
  Execution e;
  e.id = next_execution_id_++;
  e.campaign_id = c.id;
  e.device_id = t.device_id;
  e.model = t.model;
  e.target_version = c.target_version;
  e.state_time = now;
  e.create_time = now;
  executions_[e.id] = e;
}

absl::StatusOr<Campaign> MemoryStore::CreateCampaign(const Campaign& c,
                                                     const std::vector<TargetDevice>& targets) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  if (campaigns_.count(c.id)) return absl::AlreadyExistsError("duplicate campaign id");
  campaigns_[c.id] = c;
  std::set<std::string> seen;
  for (const TargetDevice& t : targets) {
    if (seen.insert(t.device_id).second) AddExecution(c, t, c.create_time);
  }
  Event ev;
  ev.at = c.create_time;
  ev.campaign_id = c.id;
  ev.kind = Event::Kind::kCampaign;
  ev.message = "created with " + std::to_string(seen.size()) + " devices by " + c.created_by;
  Append({ev});
  return WithCounts(c);
}

Campaign MemoryStore::WithCounts(const Campaign& c) const {
  Campaign out = c;
  out.counts = {};
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id == c.id) out.counts.Add(e.state);
  }
  return out;
}

CampaignStats MemoryStore::Stats(const Campaign& c) const {
  CampaignStats s;
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id != c.id) continue;
    s.counts.Add(e.state);
    if (e.batch != c.cursor.batch) continue;
    if (IsInFlight(e.state)) ++s.batch_in_flight;
    if (e.state == ExecState::kSucceeded || IsFailure(e.state)) ++s.batch_finished;
    if (IsFailure(e.state)) ++s.batch_failures;
  }
  return s;
}

void MemoryStore::Append(std::vector<Event> events) {
  for (Event& e : events) {
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    events_.push_back(std::move(e));
  }
}

absl::StatusOr<std::optional<Campaign>> MemoryStore::GetCampaign(std::string_view id) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = campaigns_.find(std::string(id));
  if (it == campaigns_.end()) return std::nullopt;
  return WithCounts(it->second);
}

absl::StatusOr<Page<Campaign>> MemoryStore::ListCampaigns(std::optional<CampaignState> state,
                                                          const Cursor& after, int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Campaign> out;
  for (const auto& [id, c] : campaigns_) {
    if ((!state || c.state == *state) && After(c.create_time, c.id, after)) out.push_back(WithCounts(c));
  }
  std::sort(out.begin(), out.end(), [](const Campaign& x, const Campaign& y) {
    return std::tie(x.create_time, x.id) > std::tie(y.create_time, y.id);
  });
  return Take(std::move(out), limit);
}

absl::StatusOr<Campaign> MemoryStore::UpdateCampaign(std::string_view id, absl::Time now,
                                                     const CampaignMutation& fn) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = campaigns_.find(std::string(id));
  if (it == campaigns_.end()) return CampaignNotFound(id);
  Campaign next = it->second;
  absl::StatusOr<std::optional<Event>> ev = fn(next);
  if (!ev.ok()) return ev.status();
  if (!ev->has_value()) return WithCounts(it->second);
  const bool canceled = it->second.state != CampaignState::kCanceled &&
                        next.state == CampaignState::kCanceled;
  it->second = next;
  std::vector<Event> events{**ev};
  if (canceled) {
    for (auto& [eid, e] : executions_) {
      if (e.campaign_id != next.id) continue;
      std::vector<Event> more = MarkCanceled(e, "campaign canceled", now);
      events.insert(events.end(), more.begin(), more.end());
    }
  }
  Append(std::move(events));
  return WithCounts(next);
}

absl::StatusOr<std::vector<Campaign>> MemoryStore::StartDue(absl::Time now) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Campaign> out;
  for (auto& [id, c] : campaigns_) {
    if (c.state != CampaignState::kScheduled || c.start_time > now) continue;
    c.state = CampaignState::kRunning;
    c.state_reason.clear();
    Event ev;
    ev.at = now;
    ev.campaign_id = c.id;
    ev.kind = Event::Kind::kCampaign;
    ev.message = "started";
    Append({ev});
    out.push_back(WithCounts(c));
  }
  return out;
}

absl::StatusOr<std::vector<Campaign>> MemoryStore::ListRunning(int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Campaign> out;
  for (const auto& [id, c] : campaigns_) {
    if (c.state == CampaignState::kRunning) out.push_back(WithCounts(c));
  }
  std::sort(out.begin(), out.end(), [](const Campaign& x, const Campaign& y) {
    return std::tie(x.create_time, x.id) < std::tie(y.create_time, y.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

absl::StatusOr<int> MemoryStore::AddTargets(std::string_view campaign_id,
                                            const std::vector<TargetDevice>& targets,
                                            absl::Time now) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = campaigns_.find(std::string(campaign_id));
  if (it == campaigns_.end()) return CampaignNotFound(campaign_id);
  std::set<std::string> have;
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id == campaign_id) have.insert(e.device_id);
  }
  int added = 0;
  for (const TargetDevice& t : targets) {
    if (have.insert(t.device_id).second) {
      AddExecution(it->second, t, now);
      ++added;
    }
  }
  return added;
}

absl::StatusOr<std::vector<Execution>> MemoryStore::Candidates(std::string_view campaign_id,
                                                               absl::Time now, int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Execution> out;
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id == campaign_id && e.state == ExecState::kQueued && e.not_before <= now) {
      out.push_back(e);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Execution& a, const Execution& b) {
    return (a.attempt > 0) > (b.attempt > 0);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

absl::StatusOr<std::optional<PlanDecision>> MemoryStore::Dispatch(
    std::string_view campaign_id, const std::vector<int64_t>& execution_ids, const PlanFn& plan,
    const SendFn& send) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = campaigns_.find(std::string(campaign_id));
  if (it == campaigns_.end()) return CampaignNotFound(campaign_id);
  if (it->second.state != CampaignState::kRunning) return PlanDecision{};
  std::vector<Execution> locked;
  for (int64_t id : execution_ids) {
    auto e = executions_.find(id);
    if (e != executions_.end() && e->second.campaign_id == campaign_id &&
        e->second.state == ExecState::kQueued) {
      locked.push_back(e->second);
    }
  }
  const Campaign current = WithCounts(it->second);
  PlanDecision d = plan(current, Stats(current), std::move(locked));
  if (absl::Status st = send(d.sent); !st.ok()) return st;
  if (d.campaign_changed) {
    Campaign& c = it->second;
    c.state = d.state;
    c.state_reason = d.state_reason;
    c.paused_by_abort = d.paused_by_abort;
    c.cursor = d.cursor;
    if (d.end_time) c.end_time = d.end_time;
  }
  for (const auto* group : {&d.sent, &d.skipped, &d.deferred}) {
    for (const Execution& e : *group) executions_[e.id] = e;
  }
  Append(d.events);
  return d;
}

absl::StatusOr<std::optional<Execution>> MemoryStore::UpdateExecution(
    int64_t execution_id, const ExecutionMutation& fn) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  auto it = executions_.find(execution_id);
  if (it == executions_.end()) return std::nullopt;
  Execution next = it->second;
  std::vector<Event> events = fn(next, campaigns_.at(next.campaign_id));
  if (!events.empty()) {
    it->second = next;
    Append(std::move(events));
  }
  return it->second;
}

absl::StatusOr<ExecutionsUpdate> MemoryStore::UpdateExecutions(
    const std::vector<int64_t>& execution_ids, const ExecutionMutation& fn) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  const std::set<int64_t> ids(execution_ids.begin(), execution_ids.end());
  ExecutionsUpdate out;
  std::vector<Execution> changed;
  std::vector<Event> events;
  for (int64_t id : ids) {  // ascending, as the PostgreSQL store locks them
    auto it = executions_.find(id);
    if (it == executions_.end()) {
      out.missing.push_back(id);
      continue;
    }
    Execution next = it->second;
    std::vector<Event> ev = fn(next, campaigns_.at(next.campaign_id));
    if (ev.empty()) continue;
    changed.push_back(std::move(next));
    events.insert(events.end(), std::make_move_iterator(ev.begin()), std::make_move_iterator(ev.end()));
  }
  // Written only after every call, like one transaction.
  for (Execution& e : changed) executions_[e.id] = std::move(e);
  out.changed = static_cast<int>(changed.size());
  Append(std::move(events));
  return out;
}

absl::StatusOr<int> MemoryStore::SweepDue(absl::Time now, int limit, const ExecutionMutation& fn) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Execution*> due;
  for (auto& [id, e] : executions_) {
    if (IsInFlight(e.state) && e.deadline <= now) due.push_back(&e);
  }
  std::sort(due.begin(), due.end(), [](const Execution* a, const Execution* b) {
    return std::tie(a->deadline, a->id) < std::tie(b->deadline, b->id);
  });
  int changed = 0;
  for (size_t i = 0; i < due.size() && static_cast<int>(i) < limit; ++i) {
    Execution next = *due[i];
    std::vector<Event> events = fn(next, campaigns_.at(next.campaign_id));
    if (events.empty()) continue;
    *due[i] = next;
    Append(std::move(events));
    ++changed;
  }
  return changed;
}

absl::StatusOr<std::vector<Execution>> MemoryStore::AwaitingVersion(
    const std::vector<std::string>& device_ids) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  const std::set<std::string> want(device_ids.begin(), device_ids.end());
  std::vector<Execution> out;
  for (const auto& [id, e] : executions_) {
    if ((e.state == ExecState::kInstalling || e.state == ExecState::kRebooting) &&
        want.count(e.device_id)) {
      out.push_back(e);
    }
  }
  return out;
}

absl::StatusOr<Page<Execution>> MemoryStore::ListExecutions(std::string_view campaign_id,
                                                            std::optional<ExecState> state,
                                                            std::string_view after_device,
                                                            int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Execution> out;
  for (const auto& [id, e] : executions_) {
    if (e.campaign_id == campaign_id && (!state || e.state == *state) && e.device_id > after_device) {
      out.push_back(e);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Execution& a, const Execution& b) { return a.device_id < b.device_id; });
  return Take(std::move(out), limit);
}

absl::StatusOr<Page<Execution>> MemoryStore::ListDeviceExecutions(std::string_view device_id,
                                                                  const Cursor& after, int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Execution> out;
  for (const auto& [id, e] : executions_) {
    if (e.device_id == device_id && After(e.create_time, e.campaign_id, after)) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const Execution& a, const Execution& b) {
    return std::tie(a.create_time, a.campaign_id) > std::tie(b.create_time, b.campaign_id);
  });
  return Take(std::move(out), limit);
}

absl::StatusOr<Page<Event>> MemoryStore::Timeline(std::string_view campaign_id,
                                                  std::string_view device_id, int64_t after_seq,
                                                  int limit) {
  absl::MutexLock l(&mu_);
  TASK_CHECK_FAIL();
  std::vector<Event> out;
  for (const Event& e : events_) {
    if (e.seq > after_seq && (campaign_id.empty() || e.campaign_id == campaign_id) &&
        (device_id.empty() || e.device_id == device_id)) {
      out.push_back(e);
      if (static_cast<int>(out.size()) > limit) break;
    }
  }
  return Take(std::move(out), limit);
}

}  // namespace fleet::task
