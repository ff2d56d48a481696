#include "services/tunnel/storage/pg_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/pg/array.h"
#include "services/tunnel/domain/errors.h"
#include "services/tunnel/domain/state_machine.h"
#include "services/tunnel/storage/pg_codec.h"

namespace fleet::tunnel {
namespace {

using namespace pgcodec;  // NOLINT: the codec is this file's vocabulary.

#define LIVE "('REQUESTED', 'OPEN', 'CLOSING')"

constexpr char kLockOperator[] = "tunnel_lock_operator";
constexpr char kLockDevice[] = "tunnel_lock_device";
constexpr char kLiveForDevice[] = "tunnel_live_for_device";
constexpr char kCountOperator[] = "tunnel_count_operator";
constexpr char kCountLive[] = "tunnel_count_live";
constexpr char kClaimPorts[] = "tunnel_claim_ports";
constexpr char kUnclaimPorts[] = "tunnel_unclaim_ports";
constexpr char kInsertSession[] = "tunnel_insert_session";
constexpr char kInsertLeases[] = "tunnel_insert_leases";
constexpr char kInsertAudit[] = "tunnel_insert_audit";
constexpr char kGet[] = "tunnel_get";
constexpr char kGetForUpdate[] = "tunnel_get_for_update";
constexpr char kList[] = "tunnel_list";
constexpr char kUpdate[] = "tunnel_update";
constexpr char kRelease[] = "tunnel_release";
constexpr char kDue[] = "tunnel_due";
constexpr char kSyncPorts[] = "tunnel_sync_ports";
constexpr char kFreePorts[] = "tunnel_free_ports";
constexpr char kSessionLeases[] = "tunnel_session_leases";
constexpr char kLiveLease[] = "tunnel_live_lease";
constexpr char kSessionAudit[] = "tunnel_session_audit";
constexpr char kDeviceAudit[] = "tunnel_device_audit";

constexpr char kLeaseColumns[] =
    "server, port, session_id, device_id, service, tunnel_us(leased_at), tunnel_us(released_at)";
constexpr char kAuditColumns[] =
    "session_id, device_id, actor, action, server, ports::text, reason, tunnel_us(at), "
    "tunnel_us(expire_time)";

const char* OrNull(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

Lease LeaseFrom(const pqxx::row& row) {
  Lease l;
  l.server = row[0].as<std::string>();
  l.port = row[1].as<int>();
  l.session_id = row[2].as<std::string>();
  l.device_id = row[3].as<std::string>();
  l.service = row[4].as<std::string>();
  l.leased_at = absl::FromUnixMicros(row[5].as<int64_t>());
  if (!row[6].is_null()) l.released_at = absl::FromUnixMicros(row[6].as<int64_t>());
  return l;
}

AuditRecord AuditFrom(const pqxx::row& row) {
  AuditRecord r;
  r.session_id = row[0].as<std::string>();
  r.device_id = row[1].as<std::string>();
  r.actor = row[2].as<std::string>();
  r.action = row[3].as<std::string>();
  r.server = row[4].as<std::string>();
  r.ports = ParseIntArray(row[5].as<std::string>());
  r.reason = row[6].as<std::string>();
  r.at = absl::FromUnixMicros(row[7].as<int64_t>());
  r.expire_time = absl::FromUnixMicros(row[8].as<int64_t>());
  return r;
}

void InsertAudit(pqxx::work& tx, const AuditRecord& r) {
  tx.exec_prepared(kInsertAudit, r.session_id, r.device_id, r.actor, r.action, r.server,
                   IntArray(r.ports), r.reason, Micros(r.at), Micros(r.expire_time));
}

// Runs `fn` on the locked row `s` and persists its change (see SessionStore::Update).
absl::StatusOr<bool> ApplyLocked(pqxx::work& tx, Session& s, absl::Time now, const Mutation& fn) {
  Session next = s;
  absl::StatusOr<std::optional<AuditRecord>> audit = fn(next);
  if (!audit.ok()) return audit.status();
  if (!audit->has_value()) return false;
  const std::optional<std::string> close = next.close_time ? MicrosOrNull(*next.close_time) : std::nullopt;
  const std::optional<std::string> deadline = MicrosOrNull(next.step_deadline);
  tx.exec_prepared(kUpdate, s.id, StateName(next.state), Micros(next.expire_time), OrNull(deadline),
                   OrNull(close), next.close_reason, next.frpc_stopped);
  if (IsLive(s.state) && IsTerminal(next.state)) tx.exec_prepared(kRelease, s.id, Micros(now));
  InsertAudit(tx, **audit);
  s = std::move(next);
  return true;
}

}  // namespace

PgStore::PgStore(pg::Pool& pool) : pool_(pool) {
  // Two lock classes (1 = operator, 2 = device), always taken in that order.
  pool_.Prepare(kLockOperator, "SELECT pg_advisory_xact_lock(1, hashtext($1))");
  pool_.Prepare(kLockDevice, "SELECT pg_advisory_xact_lock(2, hashtext($1))");
  pool_.Prepare(kLiveForDevice, absl::StrCat("SELECT ", kSessionColumns,
                                             " FROM tunnel_sessions WHERE device_id = $1 AND state IN " LIVE));
  pool_.Prepare(kCountLive, "SELECT count(*) FROM tunnel_sessions WHERE state IN " LIVE);
  pool_.Prepare(kCountOperator,
                "SELECT count(*) FROM tunnel_sessions WHERE operator = $1 AND state IN " LIVE);
  // $1 server, $2..$3 range, $4 reusable_before (us), $5 how many, $6 session id.
  pool_.Prepare(kClaimPorts, R"sql(
UPDATE tunnel_ports p SET session_id = $6
FROM (SELECT server, port FROM tunnel_ports
      WHERE server = $1 AND port BETWEEN $2 AND $3 AND session_id IS NULL
        AND released_at <= tunnel_ts($4)
      ORDER BY released_at, port
      LIMIT $5
      FOR UPDATE SKIP LOCKED) picked
WHERE p.server = picked.server AND p.port = picked.port
RETURNING p.port
)sql");
  pool_.Prepare(kUnclaimPorts, "UPDATE tunnel_ports SET session_id = NULL WHERE session_id = $1");
  pool_.Prepare(kInsertSession, R"sql(
INSERT INTO tunnel_sessions (id, device_id, operator, state, server, public_address, services, token,
                             create_time, expire_time, step_deadline)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tunnel_ts($9), tunnel_ts($10), tunnel_ts($11))
)sql");
  pool_.Prepare(kInsertLeases, R"sql(
INSERT INTO tunnel_leases (server, port, session_id, device_id, service, leased_at)
SELECT $1, port, $2, $3, service, tunnel_ts($4)
FROM unnest($5::integer[], $6::text[]) AS t(port, service)
)sql");
  pool_.Prepare(kInsertAudit, R"sql(
INSERT INTO tunnel_audit (session_id, device_id, actor, action, server, ports, reason, at, expire_time)
VALUES ($1, $2, $3, $4, $5, $6::integer[], $7, tunnel_ts($8), tunnel_ts($9))
)sql");
  pool_.Prepare(kGet, absl::StrCat("SELECT ", kSessionColumns, " FROM tunnel_sessions WHERE id = $1"));
  pool_.Prepare(kGetForUpdate, absl::StrCat("SELECT ", kSessionColumns,
                                            " FROM tunnel_sessions WHERE id = $1 FOR UPDATE"));
  // Empty filter values match everything; $4 false = first page.
  pool_.Prepare(kList, absl::StrCat("SELECT ", kSessionColumns, R"sql(
FROM tunnel_sessions
WHERE ($1 = '' OR device_id = $1) AND ($2 = '' OR operator = $2) AND ($3 = '' OR state = $3)
  AND (NOT $4::boolean OR (create_time, id) < (tunnel_ts($5), $6))
ORDER BY create_time DESC, id DESC
LIMIT $7
)sql"));
  pool_.Prepare(kUpdate, R"sql(
UPDATE tunnel_sessions
SET state = $2, expire_time = tunnel_ts($3), step_deadline = tunnel_ts($4),
    close_time = tunnel_ts($5), close_reason = $6, frpc_stopped = $7
WHERE id = $1
)sql");
  // Ends the session's live leases and starts their ports' quarantine, both at $2.
  pool_.Prepare(kRelease, R"sql(
WITH released AS (
  UPDATE tunnel_leases SET released_at = tunnel_ts($2)
  WHERE session_id = $1 AND released_at IS NULL
  RETURNING server, port)
UPDATE tunnel_ports p SET session_id = NULL, released_at = tunnel_ts($2)
FROM released r
WHERE p.server = r.server AND p.port = r.port AND p.session_id = $1
)sql");
  pool_.Prepare(kDue, absl::StrCat("SELECT ", kSessionColumns, R"sql(
FROM tunnel_sessions
WHERE state IN )sql" LIVE R"sql( AND (expire_time <= tunnel_ts($1) OR step_deadline <= tunnel_ts($1))
ORDER BY least(expire_time, step_deadline), id
LIMIT $2
FOR UPDATE SKIP LOCKED
)sql"));
  pool_.Prepare(kSyncPorts, R"sql(
INSERT INTO tunnel_ports (server, port)
SELECT $1, generate_series($2::integer, $3::integer)
ON CONFLICT DO NOTHING
)sql");
  pool_.Prepare(kFreePorts, R"sql(
SELECT count(*) FROM tunnel_ports
WHERE server = $1 AND port BETWEEN $2 AND $3 AND session_id IS NULL
  AND released_at <= tunnel_ts($4)
)sql");
  pool_.Prepare(kSessionLeases, absl::StrCat("SELECT ", kLeaseColumns,
                                             " FROM tunnel_leases WHERE session_id = $1 ORDER BY port, id"));
  pool_.Prepare(kLiveLease, absl::StrCat("SELECT ", kLeaseColumns, " FROM tunnel_leases "
                                         "WHERE server = $1 AND port = $2 AND released_at IS NULL"));
  pool_.Prepare(kSessionAudit, absl::StrCat("SELECT ", kAuditColumns,
                                            " FROM tunnel_audit WHERE session_id = $1 ORDER BY id"));
  pool_.Prepare(kDeviceAudit, absl::StrCat("SELECT ", kAuditColumns,
                                           " FROM tunnel_audit WHERE device_id = $1 ORDER BY id DESC LIMIT $2"));
}

absl::StatusOr<OpenOutcome> PgStore::Open(const OpenPlan& plan) {
  OpenOutcome out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const Session& req = plan.session;
    tx.exec_prepared(kLockOperator, req.operator_id);
    tx.exec_prepared(kLockDevice, req.device_id);
    pqxx::result live = tx.exec_prepared(kLiveForDevice, req.device_id);
    if (!live.empty()) {
      absl::StatusOr<Session> s = SessionFrom(live[0]);
      if (!s.ok()) return s.status();
      out = {std::move(*s), false};
      return absl::OkStatus();
    }
    if (tx.exec_prepared(kCountOperator, req.operator_id)[0][0].as<int64_t>() >= plan.operator_cap) {
      return OperatorCapReached(req.operator_id, plan.operator_cap);
    }
    const int needed = static_cast<int>(req.services.size());
    for (const FrpServer& server : plan.candidates) {
      // A row another open committed after our snapshot fails the recheck under FOR UPDATE and
      // drops out of the LIMIT, so a short claim is topped up a few times before moving on.
      std::vector<int> ports;
      for (int attempt = 0; attempt < 4 && static_cast<int>(ports.size()) < needed; ++attempt) {
        pqxx::result claimed =
            tx.exec_prepared(kClaimPorts, server.name, server.port_min, server.port_max,
                             Micros(plan.reusable_before), needed - static_cast<int>(ports.size()), req.id);
        if (claimed.empty()) break;
        for (const auto& row : claimed) ports.push_back(row[0].as<int>());
      }
      if (static_cast<int>(ports.size()) < needed) {
        if (!ports.empty()) tx.exec_prepared(kUnclaimPorts, req.id);
        continue;
      }
      std::sort(ports.begin(), ports.end());
      Session s = req;
      s.server = server.name;
      s.public_address = server.public_address;
      std::vector<std::string> names;
      for (int i = 0; i < needed; ++i) {
        s.services[i].remote_port = ports[i];
        names.push_back(s.services[i].name);
      }
      const std::optional<std::string> deadline = MicrosOrNull(s.step_deadline);
      tx.exec_prepared(kInsertSession, s.id, s.device_id, s.operator_id, StateName(s.state), s.server,
                       s.public_address, EncodeServices(s.services), s.token, Micros(s.create_time),
                       Micros(s.expire_time), OrNull(deadline));
      tx.exec_prepared(kInsertLeases, s.server, s.id, s.device_id, Micros(s.create_time),
                       IntArray(ports), pg::TextArray(names));
      AuditRecord audit = plan.audit;
      audit.server = s.server;
      audit.ports = ports;
      InsertAudit(tx, audit);
      out = {std::move(s), true};
      return absl::OkStatus();
    }
    return PortsExhausted(needed);
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<Session>> PgStore::Get(std::string_view id) {
  std::optional<Session> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kGet, std::string(id));
    if (rows.empty()) return absl::OkStatus();
    absl::StatusOr<Session> s = SessionFrom(rows[0]);
    if (!s.ok()) return s.status();
    out = std::move(*s);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<SessionStore::Page> PgStore::List(const SessionFilter& f, const ListCursor& after,
                                                 int limit) {
  Page page;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const bool paged = after.create_time != absl::InfiniteFuture();
    pqxx::result rows = tx.exec_prepared(
        kList, f.device_id, f.operator_id, f.state ? StateName(*f.state) : "", paged,
        paged ? Micros(after.create_time) : "0", after.id, limit + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.more = true;
        break;
      }
      absl::StatusOr<Session> s = SessionFrom(row);
      if (!s.ok()) return s.status();
      page.items.push_back(std::move(*s));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return page;
}

absl::StatusOr<Session> PgStore::Update(std::string_view id, absl::Time now, const Mutation& fn) {
  Session out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kGetForUpdate, std::string(id));
    if (rows.empty()) return SessionNotFound(id);
    absl::StatusOr<Session> s = SessionFrom(rows[0]);
    if (!s.ok()) return s.status();
    absl::StatusOr<bool> changed = ApplyLocked(tx, *s, now, fn);
    if (!changed.ok()) return changed.status();
    out = std::move(*s);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<int64_t> PgStore::CountLive() {
  int64_t n = 0;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    n = tx.exec_prepared(kCountLive)[0][0].as<int64_t>();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return n;
}

absl::StatusOr<std::vector<Session>> PgStore::SweepDue(absl::Time now, int limit, const Mutation& fn) {
  std::vector<Session> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    pqxx::result rows = tx.exec_prepared(kDue, Micros(now), limit);
    for (const auto& row : rows) {
      absl::StatusOr<Session> s = SessionFrom(row);
      if (!s.ok()) return s.status();
      absl::StatusOr<bool> changed = ApplyLocked(tx, *s, now, fn);
      if (!changed.ok()) return changed.status();
      if (*changed) out.push_back(std::move(*s));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status PgStore::SyncPorts(const std::vector<FrpServer>& servers) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const FrpServer& s : servers) tx.exec_prepared(kSyncPorts, s.name, s.port_min, s.port_max);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::map<std::string, int64_t>> PgStore::FreePorts(
    const std::vector<FrpServer>& servers, absl::Time reusable_before) {
  std::map<std::string, int64_t> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const FrpServer& s : servers) {
      out[s.name] = tx.exec_prepared(kFreePorts, s.name, s.port_min, s.port_max,
                                     Micros(reusable_before))[0][0].as<int64_t>();
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Lease>> PgStore::SessionLeases(std::string_view session_id) {
  std::vector<Lease> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kSessionLeases, std::string(session_id))) out.push_back(LeaseFrom(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<Lease>> PgStore::LiveLease(std::string_view server, int port) {
  std::optional<Lease> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kLiveLease, std::string(server), port);
    if (!rows.empty()) out = LeaseFrom(rows[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<AuditRecord>> PgStore::SessionAudit(std::string_view session_id) {
  std::vector<AuditRecord> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kSessionAudit, std::string(session_id))) out.push_back(AuditFrom(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<AuditRecord>> PgStore::DeviceAudit(std::string_view device_id, int limit) {
  std::vector<AuditRecord> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kDeviceAudit, std::string(device_id), limit)) out.push_back(AuditFrom(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace fleet::tunnel
