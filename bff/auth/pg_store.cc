#include "bff/auth/pg_store.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/status/status.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::bff::auth {
namespace {

// Times cross the wire as unix microseconds; scope lists as comma-joined text (device ids,
// route classes and label keys/values are validated to contain no ',' or '=').
constexpr char kUserCols[] =
    "id, display_name, role, password_hash, disabled, bff_us(create_time), bff_us(update_time)";
constexpr char kKeyCols[] =
    "id, display_name, secret_hash, route_classes, device_ids, device_labels, rate_limits, created_by, "
    "bff_us(create_time), bff_us(expire_time), bff_us(revoke_time), replaced_by";
constexpr char kAuditCols[] =
    "seq, bff_us(time), actor, actor_kind, role, method, path, status, trace_id, request_id";
constexpr char kCallCols[] =
    "seq, key_id, bff_us(time), method, route, path, status, latency_us, trace_id, request_id";

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }
std::optional<int64_t> UsOrNull(const std::optional<absl::Time>& t) {
  return t ? std::optional<int64_t>(Us(*t)) : std::nullopt;
}
std::optional<absl::Time> TimeOrNull(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<absl::Time>(absl::FromUnixMicros(f.as<int64_t>()));
}

std::vector<std::string> SplitList(const std::string& s) {
  return absl::StrSplit(s, ',', absl::SkipEmpty());
}

std::string JoinLabels(const std::map<std::string, std::string>& m) {
  return absl::StrJoin(m, ",", absl::PairFormatter("="));
}

std::map<std::string, std::string> SplitLabels(const std::string& s) {
  std::map<std::string, std::string> out;
  for (absl::string_view kv : absl::StrSplit(s, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    out[p.first] = p.second;
  }
  return out;
}

User UserFrom(const pqxx::row& r) {
  User u;
  u.id = r[0].as<std::string>();
  u.display_name = r[1].as<std::string>();
  u.role = ParseRole(r[2].as<std::string>()).value_or(Role::kViewer);
  u.password_hash = r[3].as<std::string>();
  u.disabled = r[4].as<bool>();
  u.create_time = absl::FromUnixMicros(r[5].as<int64_t>());
  u.update_time = absl::FromUnixMicros(r[6].as<int64_t>());
  return u;
}

ApiKey KeyFrom(const pqxx::row& r) {
  ApiKey k;
  k.id = r[0].as<std::string>();
  k.display_name = r[1].as<std::string>();
  k.secret_hash = r[2].as<std::string>();
  k.scope.route_classes = SplitList(r[3].as<std::string>());
  k.scope.device_ids = SplitList(r[4].as<std::string>());
  k.scope.device_labels = SplitLabels(r[5].as<std::string>());
  k.rate_limits = r[6].as<std::string>();
  k.created_by = r[7].as<std::string>();
  k.create_time = absl::FromUnixMicros(r[8].as<int64_t>());
  k.expire_time = TimeOrNull(r[9]);
  k.revoke_time = TimeOrNull(r[10]);
  k.replaced_by = r[11].as<std::string>();
  return k;
}

void InsertKey(pqxx::work& tx, const ApiKey& k) {
  tx.exec_prepared("bff_key_insert", k.id, k.display_name, k.secret_hash, absl::StrJoin(k.scope.route_classes, ","),
                   absl::StrJoin(k.scope.device_ids, ","), JoinLabels(k.scope.device_labels), k.rate_limits,
                   k.created_by, Us(k.create_time), UsOrNull(k.expire_time), UsOrNull(k.revoke_time),
                   k.replaced_by);
}

}  // namespace

PgStore::PgStore(pg::Pool& pool) : pool_(pool) {
  pool_.Prepare("bff_user_insert",
                "INSERT INTO users (id, display_name, role, password_hash, disabled, create_time, update_time) "
                "VALUES ($1, $2, $3, $4, $5, bff_ts($6), bff_ts($7))");
  pool_.Prepare("bff_first_user_lock", "SELECT pg_advisory_xact_lock(hashtext('fleet_bff.first_user'))");
  pool_.Prepare("bff_user_count", "SELECT count(*) FROM users");
  pool_.Prepare("bff_user_get", absl::StrCat("SELECT ", kUserCols, " FROM users WHERE id = $1"));
  pool_.Prepare("bff_user_list", absl::StrCat("SELECT ", kUserCols, " FROM users ORDER BY id"));
  pool_.Prepare("bff_user_update",
                "UPDATE users SET display_name = $2, role = $3, password_hash = $4, disabled = $5, "
                "update_time = bff_ts($6) WHERE id = $1");
  pool_.Prepare("bff_user_delete", "DELETE FROM users WHERE id = $1");
  pool_.Prepare("bff_session_insert",
                "INSERT INTO sessions (token_hash, user_id, create_time, expire_time) "
                "VALUES ($1, $2, bff_ts($3), bff_ts($4)) ON CONFLICT (token_hash) DO UPDATE SET "
                "user_id = EXCLUDED.user_id, create_time = EXCLUDED.create_time, expire_time = EXCLUDED.expire_time");
  pool_.Prepare("bff_session_get",
                "SELECT token_hash, user_id, bff_us(create_time), bff_us(expire_time) FROM sessions "
                "WHERE token_hash = $1");
  pool_.Prepare("bff_session_delete", "DELETE FROM sessions WHERE token_hash = $1");
  pool_.Prepare("bff_session_delete_user", "DELETE FROM sessions WHERE user_id = $1");
  pool_.Prepare("bff_session_delete_expired", "DELETE FROM sessions WHERE expire_time <= bff_ts($1)");
  pool_.Prepare("bff_key_insert",
                "INSERT INTO api_keys (id, display_name, secret_hash, route_classes, device_ids, device_labels, "
                "rate_limits, created_by, create_time, expire_time, revoke_time, replaced_by) VALUES "
                "($1, $2, $3, $4, $5, $6, $7, $8, bff_ts($9), bff_ts($10), bff_ts($11), $12)");
  pool_.Prepare("bff_key_get", absl::StrCat("SELECT ", kKeyCols, " FROM api_keys WHERE id = $1"));
  pool_.Prepare("bff_key_get_for_update",
                absl::StrCat("SELECT ", kKeyCols, " FROM api_keys WHERE id = $1 FOR UPDATE"));
  pool_.Prepare("bff_key_list",
                absl::StrCat("SELECT ", kKeyCols, " FROM api_keys WHERE seq > COALESCE((SELECT seq FROM api_keys "
                             "WHERE id = $1), CASE WHEN $1 = '' THEN 0 ELSE 9223372036854775807 END) "
                             "ORDER BY seq LIMIT $2"));
  pool_.Prepare("bff_key_revoke",
                "UPDATE api_keys SET revoke_time = COALESCE(revoke_time, bff_ts($2)), "
                "replaced_by = CASE WHEN $3 = '' THEN replaced_by ELSE $3 END WHERE id = $1");
  pool_.Prepare("bff_audit_insert",
                "INSERT INTO audit_log (time, actor, actor_kind, role, method, path, status, trace_id, request_id) "
                "VALUES (bff_ts($1), $2, $3, $4, $5, $6, $7, $8, $9)");
  pool_.Prepare("bff_audit_list",
                absl::StrCat("SELECT ", kAuditCols, " FROM audit_log WHERE ($1 = 0 OR seq < $1) AND ($2 = '' OR "
                             "actor = $2) ORDER BY seq DESC LIMIT $3"));
  // A whole batch in one statement: $1 is a JSON array of call objects.
  pool_.Prepare("bff_call_insert_batch",
                "INSERT INTO api_key_calls (key_id, time, method, route, path, status, latency_us, trace_id, "
                "request_id) SELECT k, bff_ts(t), m, r, p, s, l, tr, rq FROM json_to_recordset($1::json) AS "
                "x(k text, t bigint, m text, r text, p text, s integer, l bigint, tr text, rq text)");
  pool_.Prepare("bff_call_list",
                absl::StrCat("SELECT ", kCallCols, " FROM api_key_calls WHERE key_id = $1 AND ($2 = 0 OR seq < $2) "
                             "ORDER BY seq DESC LIMIT $3"));
}

absl::Status PgStore::CreateUser(const User& u) {
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_user_insert", u.id, u.display_name, RoleName(u.role), u.password_hash, u.disabled,
                     Us(u.create_time), Us(u.update_time));
    return absl::OkStatus();
  });
  if (st.code() == absl::StatusCode::kAlreadyExists) return UserExists(u.id);
  return st;
}

absl::StatusOr<bool> PgStore::CreateFirstUser(const User& u) {
  bool created = false;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_first_user_lock");
    if (tx.exec_prepared1("bff_user_count")[0].as<int64_t>() > 0) return absl::OkStatus();
    tx.exec_prepared("bff_user_insert", u.id, u.display_name, RoleName(u.role), u.password_hash, u.disabled,
                     Us(u.create_time), Us(u.update_time));
    created = true;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return created;
}

absl::StatusOr<User> PgStore::GetUser(const std::string& id) {
  std::optional<User> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_user_get", id);
    if (!r.empty()) out = UserFrom(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (!out) return UserNotFound(id);
  return *out;
}

absl::StatusOr<std::vector<User>> PgStore::ListUsers() {
  std::vector<User> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared("bff_user_list")) out.push_back(UserFrom(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status PgStore::UpdateUser(const User& u) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_user_update", u.id, u.display_name, RoleName(u.role), u.password_hash,
                                      u.disabled, Us(u.update_time));
    return r.affected_rows() == 0 ? UserNotFound(u.id) : absl::OkStatus();
  });
}

absl::Status PgStore::DeleteUser(const std::string& id) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_user_delete", id);
    return r.affected_rows() == 0 ? UserNotFound(id) : absl::OkStatus();
  });
}

absl::Status PgStore::CreateSession(const Session& s) {
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_session_insert", s.token_hash, s.user_id, Us(s.create_time), Us(s.expire_time));
    return absl::OkStatus();
  });
  // A missing user violates the foreign key (SQLSTATE 23503), which the pool reports as INTERNAL.
  if (!st.ok() && st.code() == absl::StatusCode::kInternal && absl::StrContains(st.message(), "23503")) {
    return UserNotFound(s.user_id);
  }
  return st;
}

absl::StatusOr<Session> PgStore::GetSession(const std::string& token_hash) {
  std::optional<Session> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_session_get", token_hash);
    if (!r.empty()) {
      out = Session{r[0][0].as<std::string>(), r[0][1].as<std::string>(), absl::FromUnixMicros(r[0][2].as<int64_t>()),
                    absl::FromUnixMicros(r[0][3].as<int64_t>())};
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (!out) return SessionNotFound();
  return *out;
}

absl::Status PgStore::DeleteSession(const std::string& token_hash) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_session_delete", token_hash);
    return absl::OkStatus();
  });
}

absl::Status PgStore::DeleteUserSessions(const std::string& user_id) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_session_delete_user", user_id);
    return absl::OkStatus();
  });
}

absl::Status PgStore::DeleteExpiredSessions(absl::Time now) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_session_delete_expired", Us(now));
    return absl::OkStatus();
  });
}

absl::Status PgStore::CreateKey(const ApiKey& k) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    InsertKey(tx, k);
    return absl::OkStatus();
  });
}

absl::StatusOr<ApiKey> PgStore::GetKey(const std::string& id) {
  std::optional<ApiKey> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_key_get", id);
    if (!r.empty()) out = KeyFrom(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (!out) return KeyNotFound(id);
  return *out;
}

absl::StatusOr<std::vector<ApiKey>> PgStore::ListKeys(const std::string& after_id, int limit) {
  std::vector<ApiKey> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared("bff_key_list", after_id, limit)) out.push_back(KeyFrom(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ApiKey> PgStore::RevokeKey(const std::string& id, absl::Time when) {
  std::optional<ApiKey> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_key_revoke", id, Us(when), std::string());
    pqxx::result r = tx.exec_prepared("bff_key_get", id);
    if (!r.empty()) out = KeyFrom(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (!out) return KeyNotFound(id);
  return *out;
}

absl::Status PgStore::RotateKey(const std::string& old_id, const ApiKey& fresh, absl::Time when) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared("bff_key_get_for_update", old_id);
    if (r.empty()) return KeyNotFound(old_id);
    if (!r[0][10].is_null()) return KeyAlreadyRevoked(old_id);
    InsertKey(tx, fresh);
    tx.exec_prepared("bff_key_revoke", old_id, Us(when), fresh.id);
    return absl::OkStatus();
  });
}

absl::Status PgStore::AppendAudit(const AuditEntry& e) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("bff_audit_insert", Us(e.time), e.actor, e.actor_kind, e.role, e.method, e.path, e.status,
                     e.trace_id, e.request_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntry>> PgStore::ListAudit(const std::string& actor, int64_t before_seq, int limit) {
  std::vector<AuditEntry> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& r : tx.exec_prepared("bff_audit_list", before_seq, actor, limit)) {
      AuditEntry e;
      e.seq = r[0].as<int64_t>();
      e.time = absl::FromUnixMicros(r[1].as<int64_t>());
      e.actor = r[2].as<std::string>();
      e.actor_kind = r[3].as<std::string>();
      e.role = r[4].as<std::string>();
      e.method = r[5].as<std::string>();
      e.path = r[6].as<std::string>();
      e.status = r[7].as<int>();
      e.trace_id = r[8].as<std::string>();
      e.request_id = r[9].as<std::string>();
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status PgStore::AppendCalls(const std::vector<KeyCall>& calls) {
  constexpr size_t kChunk = 1000;
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (size_t begin = 0; begin < calls.size(); begin += kChunk) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      w.StartArray();
      for (size_t i = begin; i < calls.size() && i < begin + kChunk; ++i) {
        const KeyCall& c = calls[i];
        w.StartObject();
        w.Key("k"), w.String(c.key_id.c_str(), c.key_id.size());
        w.Key("t"), w.Int64(Us(c.time));
        w.Key("m"), w.String(c.method.c_str(), c.method.size());
        w.Key("r"), w.String(c.route.c_str(), c.route.size());
        w.Key("p"), w.String(c.path.c_str(), c.path.size());
        w.Key("s"), w.Int(c.status);
        w.Key("l"), w.Int64(c.latency_micros);
        w.Key("tr"), w.String(c.trace_id.c_str(), c.trace_id.size());
        w.Key("rq"), w.String(c.request_id.c_str(), c.request_id.size());
        w.EndObject();
      }
      w.EndArray();
      tx.exec_prepared("bff_call_insert_batch", std::string(buf.GetString(), buf.GetSize()));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<KeyCall>> PgStore::ListCalls(const std::string& key_id, int64_t before_seq, int limit) {
  std::vector<KeyCall> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& r : tx.exec_prepared("bff_call_list", key_id, before_seq, limit)) {
      KeyCall c;
      c.seq = r[0].as<int64_t>();
      c.key_id = r[1].as<std::string>();
      c.time = absl::FromUnixMicros(r[2].as<int64_t>());
      c.method = r[3].as<std::string>();
      c.route = r[4].as<std::string>();
      c.path = r[5].as<std::string>();
      c.status = r[6].as<int>();
      c.latency_micros = r[7].as<int64_t>();
      c.trace_id = r[8].as<std::string>();
      c.request_id = r[9].as<std::string>();
      out.push_back(std::move(c));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace fleet::bff::auth
