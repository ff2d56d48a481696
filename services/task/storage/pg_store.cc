#include "services/task/storage/pg_store.h"

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/task/domain/errors.h"
#include "services/task/storage/pg_codec.h"
#include "services/task/storage/pg_statements.h"

// Artifacts and campaigns; executions and the timeline are in pg_executions.cc.
namespace fleet::task {
namespace {

using namespace pgcodec;  // NOLINT: the codec is this file's vocabulary.
using namespace pgsql;    // NOLINT: statement names.

const char* OrNull(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

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

std::optional<std::string> CursorMicros(const Cursor& c) {
  if (c.id.empty() && c.time == absl::InfiniteFuture()) return std::nullopt;
  return Micros(c.time);
}

void WriteCampaign(pqxx::work& tx, const Campaign& c) {
  const std::optional<std::string> started = MicrosOrNull(c.cursor.started_at);
  const std::optional<std::string> ended =
      c.end_time ? std::optional<std::string>(Micros(*c.end_time)) : std::nullopt;
  tx.exec_prepared(kCampaignUpdate, c.id, std::string(Name(c.state)), c.state_reason,
                   c.paused_by_abort, c.cursor.batch, c.cursor.sent, OrNull(started),
                   c.abort_base_finished, c.abort_base_failures, OrNull(ended));
}

}  // namespace

PgStore::PgStore(pg::Pool& pool) : pool_(pool) { PrepareStatements(pool_); }

absl::StatusOr<Campaign> PgStore::Decode(const pqxx::row& row) {
  const std::string id = row[0].as<std::string>();
  CampaignSpec spec;
  {
    absl::MutexLock l(&mu_);
    auto it = specs_.find(id);
    if (it != specs_.end()) spec = it->second;
  }
  if (spec.batch_size == 0) {  // not cached yet (a stored spec always has batch_size >= 1)
    absl::StatusOr<CampaignSpec> decoded = DecodeSpec(row[3].as<std::string>());
    if (!decoded.ok()) return decoded.status();
    spec = *decoded;
    absl::MutexLock l(&mu_);
    specs_.emplace(id, spec);
  }
  return CampaignFrom(row, spec);
}

void PgStore::FillCounts(pqxx::work& tx, std::vector<Campaign>& campaigns) {
  if (campaigns.empty()) return;
  std::vector<std::string> ids;
  for (const Campaign& c : campaigns) ids.push_back(c.id);
  std::map<std::string, ExecutionCounts> counts;
  for (const pqxx::row& row : tx.exec_prepared(kCounts, StringsJson(ids))) {
    std::optional<ExecState> s = ParseExecState(row[1].as<std::string>());
    if (s) counts[row[0].as<std::string>()].Add(*s, row[2].as<int64_t>());
  }
  for (Campaign& c : campaigns) c.counts = counts[c.id];
}

absl::StatusOr<std::vector<Campaign>> PgStore::Campaigns(pqxx::work& tx, const pqxx::result& rows) {
  std::vector<Campaign> out;
  for (const pqxx::row& row : rows) {
    absl::StatusOr<Campaign> c = Decode(row);
    if (!c.ok()) return c.status();
    out.push_back(*std::move(c));
  }
  FillCounts(tx, out);
  return out;
}

absl::StatusOr<Artifact> PgStore::CreateArtifact(const Artifact& a) {
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result dup = tx.exec_prepared(kArtifactDuplicate, std::string(Name(a.kind)), a.display_name, a.version);
    if (!dup.empty()) return ArtifactExists(dup[0][0].as<std::string>());
    tx.exec_prepared(kArtifactInsert, a.id, a.display_name, std::string(Name(a.kind)), a.version, a.url,
                     a.sha256, a.size_bytes, Join(a.models), Micros(a.create_time));
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(st) && status::Reason(st) != "TASK_ARTIFACT_EXISTS") {
    // Lost a race with a concurrent identical create (unique (kind, name, version)).
    return ArtifactExists("");
  }
  if (!st.ok()) return st;
  return a;
}

absl::StatusOr<std::optional<Artifact>> PgStore::GetArtifact(std::string_view id) {
  std::optional<Artifact> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared(kArtifactGet, std::string(id));
    if (r.empty()) return absl::OkStatus();
    absl::StatusOr<Artifact> a = ArtifactFrom(r[0]);
    if (!a.ok()) return a.status();
    out = *std::move(a);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<Page<Artifact>> PgStore::ListArtifacts(const Cursor& after, int limit) {
  std::vector<Artifact> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const std::optional<std::string> us = CursorMicros(after);
    for (const pqxx::row& row : tx.exec_prepared(kArtifactList, OrNull(us), after.id, limit + 1)) {
      absl::StatusOr<Artifact> a = ArtifactFrom(row);
      if (!a.ok()) return a.status();
      out.push_back(*std::move(a));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

absl::Status PgStore::DeleteArtifact(std::string_view id) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result user = tx.exec_prepared(kArtifactUser, std::string(id));
    if (!user.empty()) return ArtifactInUse(user[0][0].as<std::string>());
    if (tx.exec_prepared(kArtifactDelete, std::string(id)).affected_rows() == 0) {
      return ArtifactNotFound(id);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Campaign> PgStore::CreateCampaign(const Campaign& c,
                                                 const std::vector<TargetDevice>& targets) {
  std::optional<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared(kCampaignInsert, c.id, c.display_name, c.created_by, c.spec.artifact_id,
                     EncodeSpec(c.spec), c.target_version, Join(c.target_models),
                     std::string(Name(c.state)), c.state_reason, Micros(c.create_time),
                     Micros(c.start_time));
    const pqxx::result added = tx.exec_prepared(kTargetsInsert, c.id, c.target_version,
                                                Micros(c.create_time), TargetsJson(targets));
    Event ev;
    ev.at = c.create_time;
    ev.campaign_id = c.id;
    ev.kind = Event::Kind::kCampaign;
    ev.message = absl::StrCat("created with ", added.affected_rows(), " devices by ", c.created_by);
    tx.exec_prepared(kEventsInsert, EventsJson({ev}));
    absl::StatusOr<std::vector<Campaign>> got = Campaigns(tx, tx.exec_prepared(kCampaignGet, c.id));
    if (!got.ok()) return got.status();
    out = got->front();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return *out;
}

absl::StatusOr<std::optional<Campaign>> PgStore::GetCampaign(std::string_view id) {
  std::optional<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    absl::StatusOr<std::vector<Campaign>> got =
        Campaigns(tx, tx.exec_prepared(kCampaignGet, std::string(id)));
    if (!got.ok()) return got.status();
    if (!got->empty()) out = got->front();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<Page<Campaign>> PgStore::ListCampaigns(std::optional<CampaignState> state,
                                                      const Cursor& after, int limit) {
  std::vector<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const std::optional<std::string> us = CursorMicros(after);
    absl::StatusOr<std::vector<Campaign>> got = Campaigns(
        tx, tx.exec_prepared(kCampaignList, state ? std::string(Name(*state)) : std::string(),
                             OrNull(us), after.id, limit + 1));
    if (!got.ok()) return got.status();
    out = *std::move(got);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return Take(std::move(out), limit);
}

absl::StatusOr<Campaign> PgStore::UpdateCampaign(std::string_view id, absl::Time now,
                                                 const CampaignMutation& fn) {
  std::optional<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared(kCampaignGetForUpdate, std::string(id));
    if (r.empty()) return CampaignNotFound(id);
    absl::StatusOr<Campaign> current = Decode(r[0]);
    if (!current.ok()) return current.status();
    Campaign next = *current;
    absl::StatusOr<std::optional<Event>> ev = fn(next);
    if (!ev.ok()) return ev.status();
    if (ev->has_value()) {
      WriteCampaign(tx, next);
      tx.exec_prepared(kEventsInsert, EventsJson({**ev}));
      if (current->state != CampaignState::kCanceled && next.state == CampaignState::kCanceled) {
        tx.exec_prepared(kCampaignCancelQueued, next.id, Micros(now));
      }
    }
    std::vector<Campaign> one{next};
    FillCounts(tx, one);
    out = one.front();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return *out;
}

absl::StatusOr<std::vector<Campaign>> PgStore::StartDue(absl::Time now) {
  std::vector<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    absl::StatusOr<std::vector<Campaign>> got = Campaigns(tx, tx.exec_prepared(kCampaignStartDue, Micros(now)));
    if (!got.ok()) return got.status();
    std::vector<Event> events;
    for (const Campaign& c : *got) {
      Event ev;
      ev.at = now;
      ev.campaign_id = c.id;
      ev.kind = Event::Kind::kCampaign;
      ev.message = "started";
      events.push_back(ev);
    }
    if (!events.empty()) tx.exec_prepared(kEventsInsert, EventsJson(events));
    out = *std::move(got);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Campaign>> PgStore::ListRunning(int limit) {
  std::vector<Campaign> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    absl::StatusOr<std::vector<Campaign>> got = Campaigns(tx, tx.exec_prepared(kCampaignRunning, limit));
    if (!got.ok()) return got.status();
    out = *std::move(got);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<int> PgStore::AddTargets(std::string_view campaign_id,
                                        const std::vector<TargetDevice>& targets, absl::Time now) {
  int added = 0;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared(kCampaignGet, std::string(campaign_id));
    if (r.empty()) return CampaignNotFound(campaign_id);
    added = static_cast<int>(tx.exec_prepared(kTargetsInsert, std::string(campaign_id),
                                              r[0][4].as<std::string>(), Micros(now),
                                              TargetsJson(targets))
                                 .affected_rows());
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return added;
}

}  // namespace fleet::task
