#include "services/tunnel/domain/memory_store.h"

#include <algorithm>

#include "services/tunnel/domain/errors.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel {

void MemoryStore::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

bool MemoryStore::Allocatable(const PortKey&, const Port& p, absl::Time reusable_before) const {
  return !p.leased && p.released_at <= reusable_before;
}

absl::StatusOr<OpenOutcome> MemoryStore::Open(const OpenPlan& plan) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const auto& [id, s] : sessions_) {
    if (s.device_id == plan.session.device_id && IsLive(s.state)) return OpenOutcome{s, false};
  }
  int live = 0;
  for (const auto& [id, s] : sessions_) {
    live += s.operator_id == plan.session.operator_id && IsLive(s.state);
  }
  if (live >= plan.operator_cap) return OperatorCapReached(plan.session.operator_id, plan.operator_cap);
  const size_t needed = plan.session.services.size();
  for (const FrpServer& server : plan.candidates) {
    std::vector<std::pair<absl::Time, int>> free;
    for (auto it = ports_.lower_bound({server.name, server.port_min});
         it != ports_.end() && it->first.first == server.name && it->first.second <= server.port_max;
         ++it) {
      if (Allocatable(it->first, it->second, plan.reusable_before)) {
        free.push_back({it->second.released_at, it->first.second});
      }
    }
    if (free.size() < needed) continue;
    // Ports free longest first; the chosen ones go to the services in ascending order.
    std::sort(free.begin(), free.end());
    free.resize(needed);
    std::sort(free.begin(), free.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    Session s = plan.session;
    s.server = server.name;
    s.public_address = server.public_address;
    AuditRecord audit = plan.audit;
    audit.server = server.name;
    audit.ports.clear();
    for (size_t i = 0; i < needed; ++i) {
      const int port = free[i].second;
      ports_[{server.name, port}].leased = true;
      s.services[i].remote_port = port;
      audit.ports.push_back(port);
      leases_.push_back(Lease{server.name, port, s.id, s.device_id, s.services[i].name,
                              s.create_time, std::nullopt});
    }
    audit_.push_back(std::move(audit));
    sessions_[s.id] = s;
    return OpenOutcome{std::move(s), true};
  }
  return PortsExhausted(static_cast<int>(needed));
}

absl::StatusOr<std::optional<Session>> MemoryStore::Get(std::string_view id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<SessionStore::Page> MemoryStore::List(const SessionFilter& f,
                                                     const ListCursor& after, int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<const Session*> match;
  for (const auto& [id, s] : sessions_) {
    if (!f.device_id.empty() && s.device_id != f.device_id) continue;
    if (!f.operator_id.empty() && s.operator_id != f.operator_id) continue;
    if (f.state && s.state != *f.state) continue;
    if (std::make_pair(s.create_time, s.id) >= std::make_pair(after.create_time, after.id)) continue;
    match.push_back(&s);
  }
  std::sort(match.begin(), match.end(), [](const Session* a, const Session* b) {
    return std::make_pair(a->create_time, a->id) > std::make_pair(b->create_time, b->id);
  });
  Page page;
  for (const Session* s : match) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(*s);
  }
  return page;
}

absl::StatusOr<std::optional<Session>> MemoryStore::Apply(Session& s, absl::Time now,
                                                          const Mutation& fn) {
  Session next = s;
  absl::StatusOr<std::optional<AuditRecord>> audit = fn(next);
  if (!audit.ok()) return audit.status();
  if (!audit->has_value()) return std::nullopt;
  if (IsLive(s.state) && IsTerminal(next.state)) {
    for (Lease& lease : leases_) {
      if (lease.session_id == s.id && !lease.released_at) {
        lease.released_at = now;
        Port& p = ports_[{lease.server, lease.port}];
        p.leased = false;
        p.released_at = now;
      }
    }
  }
  audit_.push_back(std::move(**audit));
  s = next;
  return s;
}

absl::StatusOr<Session> MemoryStore::Update(std::string_view id, absl::Time now,
                                            const Mutation& fn) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return SessionNotFound(id);
  absl::StatusOr<std::optional<Session>> changed = Apply(it->second, now, fn);
  if (!changed.ok()) return changed.status();
  return it->second;
}

absl::StatusOr<int64_t> MemoryStore::CountLive() {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  int64_t n = 0;
  for (const auto& [id, s] : sessions_) n += IsLive(s.state) ? 1 : 0;
  return n;
}

absl::StatusOr<std::vector<Session>> MemoryStore::SweepDue(absl::Time now, int limit,
                                                           const Mutation& fn) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<std::pair<absl::Time, Session*>> due;
  for (auto& [id, s] : sessions_) {
    if (!IsLive(s.state)) continue;
    const absl::Time when = std::min(s.expire_time, s.step_deadline);
    if (when <= now) due.push_back({when, &s});
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->id < b.second->id;
  });
  std::vector<Session> out;
  for (size_t i = 0; i < due.size() && static_cast<int>(i) < limit; ++i) {
    absl::StatusOr<std::optional<Session>> changed = Apply(*due[i].second, now, fn);
    if (!changed.ok()) return changed.status();
    if (changed->has_value()) out.push_back(std::move(**changed));
  }
  return out;
}

absl::Status MemoryStore::SyncPorts(const std::vector<FrpServer>& servers) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const FrpServer& s : servers) {
    for (int port = s.port_min; port <= s.port_max; ++port) ports_.try_emplace({s.name, port});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int64_t>> MemoryStore::FreePorts(
    const std::vector<FrpServer>& servers, absl::Time reusable_before) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::map<std::string, int64_t> out;
  for (const FrpServer& s : servers) {
    int64_t& n = out[s.name];
    for (auto it = ports_.lower_bound({s.name, s.port_min});
         it != ports_.end() && it->first.first == s.name && it->first.second <= s.port_max; ++it) {
      n += Allocatable(it->first, it->second, reusable_before);
    }
  }
  return out;
}

absl::StatusOr<std::vector<Lease>> MemoryStore::SessionLeases(std::string_view session_id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<Lease> out;
  for (const Lease& lease : leases_) {
    if (lease.session_id == session_id) out.push_back(lease);
  }
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) { return a.port < b.port; });
  return out;
}

absl::StatusOr<std::optional<Lease>> MemoryStore::LiveLease(std::string_view server, int port) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  for (const Lease& lease : leases_) {
    if (lease.server == server && lease.port == port && !lease.released_at) return lease;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<AuditRecord>> MemoryStore::SessionAudit(std::string_view session_id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<AuditRecord> out;
  for (const AuditRecord& r : audit_) {
    if (r.session_id == session_id) out.push_back(r);
  }
  return out;
}

absl::StatusOr<std::vector<AuditRecord>> MemoryStore::DeviceAudit(std::string_view device_id,
                                                                  int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<AuditRecord> out;
  for (auto it = audit_.rbegin(); it != audit_.rend() && static_cast<int>(out.size()) < limit; ++it) {
    if (it->device_id == device_id) out.push_back(*it);
  }
  return out;
}

}  // namespace fleet::tunnel
