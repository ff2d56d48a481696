#include <algorithm>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/task/domain/errors.h"
#include "services/task/storage/pg_codec.h"
#include "services/task/storage/pg_statements.h"
#include "services/task/storage/pg_store.h"

// Executions and the timeline of PgStore; artifacts and campaigns are in pg_store.cc.
namespace fleet::task {
namespace {

using namespace pgcodec;  // NOLINT: the codec is this file's vocabulary.
using namespace pgsql;    // NOLINT: statement names.

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

absl::Status Executions(const pqxx::result& rows, std::vector<Execution>& out) {
  for (const pqxx::row& row : rows) {
    absl::StatusOr<Execution> e = ExecutionFrom(row);
    if (!e.ok()) return e.status();
    out.push_back(*std::move(e));
  }
  return absl::OkStatus();
}

void Write(pqxx::work& tx, const std::vector<Execution>& executions, const std::vector<Event>& events) {
  if (!executions.empty()) tx.exec_prepared(kExecWrite, ExecutionsJson(executions));
  if (!events.empty()) tx.exec_prepared(kEventsInsert, EventsJson(events));
}

}  // namespace

absl::StatusOr<std::vector<Execution>> PgStore::Candidates(std::string_view campaign_id,
                                                           absl::Time now, int limit) {
  std::vector<Execution> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    return Executions(tx.exec_prepared(kExecCandidates, std::string(campaign_id), Micros(now), limit), out);
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<PlanDecision>> PgStore::Dispatch(
    std::string_view campaign_id, const std::vector<int64_t>& execution_ids, const PlanFn& plan,
    const SendFn& send) {
  std::optional<PlanDecision> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const std::string id(campaign_id);
    pqxx::result r = tx.exec_prepared(kCampaignLockSkip, id);
    if (r.empty()) {
      if (tx.exec_prepared(kCampaignGet, id).empty()) return CampaignNotFound(campaign_id);
      return absl::OkStatus();  // another replica is dispatching it
    }
    absl::StatusOr<Campaign> c = Decode(r[0]);
    if (!c.ok()) return c.status();
    if (c->state != CampaignState::kRunning) {
      out = PlanDecision{};
      return absl::OkStatus();
    }
    CampaignStats stats;
    for (const pqxx::row& row : tx.exec_prepared(kBatchStats, id, c->cursor.batch)) {
      std::optional<ExecState> s = ParseExecState(row[0].as<std::string>());
      if (!s) continue;
      const int64_t n = row[1].as<int64_t>(), in_batch = row[2].as<int64_t>();
      stats.counts.Add(*s, n);
      if (IsInFlight(*s)) stats.batch_in_flight += in_batch;
      if (*s == ExecState::kSucceeded || IsFailure(*s)) stats.batch_finished += in_batch;
      if (IsFailure(*s)) stats.batch_failures += in_batch;
    }
    c->counts = stats.counts;
    std::vector<Execution> locked;
    if (!execution_ids.empty()) {
      if (absl::Status s = Executions(tx.exec_prepared(kExecLockQueued, BigintArray(execution_ids), id), locked);
          !s.ok()) {
        return s;
      }
    }
    PlanDecision d = plan(*c, stats, std::move(locked));
    if (d.campaign_changed) {
      Campaign next = *c;
      next.state = d.state;
      next.state_reason = d.state_reason;
      next.paused_by_abort = d.paused_by_abort;
      next.cursor = d.cursor;
      if (d.end_time) next.end_time = d.end_time;
      const std::optional<std::string> started = MicrosOrNull(next.cursor.started_at);
      const std::optional<std::string> ended =
          next.end_time ? std::optional<std::string>(Micros(*next.end_time)) : std::nullopt;
      tx.exec_prepared(kCampaignUpdate, next.id, std::string(Name(next.state)), next.state_reason,
                       next.paused_by_abort, next.cursor.batch, next.cursor.sent,
                       started ? started->c_str() : nullptr, next.abort_base_finished,
                       next.abort_base_failures, ended ? ended->c_str() : nullptr);
    }
    std::vector<Execution> changed = d.sent;
    changed.insert(changed.end(), d.skipped.begin(), d.skipped.end());
    changed.insert(changed.end(), d.deferred.begin(), d.deferred.end());
    Write(tx, changed, d.events);
    // Recorded as SENT in this transaction; send before committing (see ports.h).
    if (absl::Status s = send(d.sent); !s.ok()) return s;
    out = std::move(d);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<Execution>> PgStore::UpdateExecution(int64_t execution_id,
                                                                  const ExecutionMutation& fn) {
  std::optional<Execution> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    std::vector<Execution> rows;
    if (absl::Status s = Executions(tx.exec_prepared(kExecGetForUpdate, execution_id), rows); !s.ok()) return s;
    if (rows.empty()) return absl::OkStatus();
    pqxx::result cr = tx.exec_prepared(kCampaignGet, rows[0].campaign_id);
    if (cr.empty()) return absl::InternalError("execution without campaign");
    absl::StatusOr<Campaign> c = Decode(cr[0]);
    if (!c.ok()) return c.status();
    Execution next = rows[0];
    std::vector<Event> events = fn(next, *c);
    if (!events.empty()) Write(tx, {next}, events);
    out = events.empty() ? rows[0] : next;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ExecutionsUpdate> PgStore::UpdateExecutions(const std::vector<int64_t>& execution_ids,
                                                           const ExecutionMutation& fn) {
  std::vector<int64_t> ids = execution_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ExecutionsUpdate out;
  if (ids.empty()) return out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out = ExecutionsUpdate{};  // fn's effects count only for the transaction that commits
    std::vector<Execution> locked;
    if (absl::Status s = Executions(tx.exec_prepared(kExecLockMany, BigintArray(ids)), locked); !s.ok()) {
      return s;
    }
    // Each campaign row once per batch (specs are cached across batches by Decode).
    std::vector<std::string> campaign_ids;
    for (const Execution& e : locked) campaign_ids.push_back(e.campaign_id);
    std::sort(campaign_ids.begin(), campaign_ids.end());
    campaign_ids.erase(std::unique(campaign_ids.begin(), campaign_ids.end()), campaign_ids.end());
    std::map<std::string, Campaign> campaigns;
    if (!campaign_ids.empty()) {
      for (const pqxx::row& row : tx.exec_prepared(kCampaignGetMany, StringsJson(campaign_ids))) {
        absl::StatusOr<Campaign> c = Decode(row);
        if (!c.ok()) return c.status();
        campaigns.emplace(c->id, *std::move(c));
      }
    }
    size_t next = 0;  // `locked` is ascending like `ids`
    std::vector<Execution> changed;
    std::vector<Event> events;
    for (int64_t id : ids) {
      if (next >= locked.size() || locked[next].id != id) {
        out.missing.push_back(id);
        continue;
      }
      Execution& e = locked[next++];
      auto c = campaigns.find(e.campaign_id);
      if (c == campaigns.end()) return absl::InternalError("execution without campaign");
      std::vector<Event> ev = fn(e, c->second);
      if (ev.empty()) continue;
      changed.push_back(e);
      events.insert(events.end(), std::make_move_iterator(ev.begin()), std::make_move_iterator(ev.end()));
    }
    Write(tx, changed, events);
    out.changed = static_cast<int>(changed.size());
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<int> PgStore::SweepDue(absl::Time now, int limit, const ExecutionMutation& fn) {
  int changed_count = 0;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    std::vector<Execution> due;
    if (absl::Status s = Executions(tx.exec_prepared(kExecDue, Micros(now), limit), due); !s.ok()) return s;
    std::map<std::string, Campaign> campaigns;
    std::vector<Execution> changed;
    std::vector<Event> events;
    for (Execution& e : due) {
      auto it = campaigns.find(e.campaign_id);
      if (it == campaigns.end()) {
        pqxx::result cr = tx.exec_prepared(kCampaignGet, e.campaign_id);
        if (cr.empty()) continue;
        absl::StatusOr<Campaign> c = Decode(cr[0]);
        if (!c.ok()) return c.status();
        it = campaigns.emplace(e.campaign_id, *std::move(c)).first;
      }
      std::vector<Event> ev = fn(e, it->second);
      if (ev.empty()) continue;
      changed.push_back(e);
      events.insert(events.end(), ev.begin(), ev.end());
    }
    Write(tx, changed, events);
    changed_count = static_cast<int>(changed.size());
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return changed_count;
}

absl::StatusOr<std::vector<Execution>> PgStore::AwaitingVersion(
    const std::vector<std::string>& device_ids) {
  std::vector<Execution> out;
  if (device_ids.empty()) return out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    return Executions(tx.exec_prepared(kExecAwaiting, StringsJson(device_ids)), out);
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<Page<Execution>> PgStore::ListExecutions(std::string_view campaign_id,
                                                        std::optional<ExecState> state,
                                                        std::string_view after_device, int limit) {
  std::vector<Execution> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    return Executions(tx.exec_prepared(kExecList, std::string(campaign_id),
                                       state ? std::string(Name(*state)) : std::string(),
                                       std::string(after_device), limit + 1),
                      out);
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

absl::StatusOr<Page<BatchProgress>> PgStore::ListBatches(std::string_view campaign_id,
                                                         int after_batch, int limit) {
  std::vector<BatchProgress> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const pqxx::row& row : tx.exec_prepared(kBatchList, std::string(campaign_id), after_batch, limit + 1)) {
      BatchProgress b;
      b.batch = row[0].as<int>();
      ExecutionCounts& n = b.counts;
      n.queued = row[1].as<int64_t>();
      n.in_flight = row[2].as<int64_t>();
      n.succeeded = row[3].as<int64_t>();
      n.failed = row[4].as<int64_t>();
      n.timed_out = row[5].as<int64_t>();
      n.canceled = row[6].as<int64_t>();
      n.skipped = row[7].as<int64_t>();
      b.started = row[8].is_null() ? absl::InfiniteFuture() : absl::FromUnixMicros(row[8].as<int64_t>());
      b.updated = absl::FromUnixMicros(row[9].as<int64_t>());
      out.push_back(b);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

absl::StatusOr<Page<Execution>> PgStore::ListDeviceExecutions(std::string_view device_id,
                                                              const Cursor& after, int limit) {
  std::vector<Execution> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    const bool from_start = after.id.empty() && after.time == absl::InfiniteFuture();
    const std::string us = from_start ? "" : Micros(after.time);
    return Executions(tx.exec_prepared(kExecDevice, std::string(device_id),
                                       from_start ? nullptr : us.c_str(), after.id, limit + 1),
                      out);
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

absl::StatusOr<Page<Event>> PgStore::Timeline(std::string_view campaign_id,
                                              std::string_view device_id, int64_t after_seq,
                                              int limit) {
  std::vector<Event> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows;
    if (!campaign_id.empty() && !device_id.empty()) {
      rows = tx.exec_prepared(kTimelineBoth, std::string(campaign_id), std::string(device_id),
                              after_seq, limit + 1);
    } else if (!campaign_id.empty()) {
      rows = tx.exec_prepared(kTimelineCampaign, std::string(campaign_id), after_seq, limit + 1);
    } else {
      rows = tx.exec_prepared(kTimelineDevice, std::string(device_id), after_seq, limit + 1);
    }
    for (const pqxx::row& row : rows) {
      absl::StatusOr<Event> e = EventFrom(row);
      if (!e.ok()) return e.status();
      out.push_back(*std::move(e));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

}  // namespace fleet::task
