#include "services/device-config/storage/pg_config_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "libs/pg/array.h"
#include "services/device-config/domain/config_errors.h"
#include "services/device-config/domain/errors.h"
#include "services/device-config/storage/pg_device_repo.h"

namespace fleet::devcfg {
namespace {

constexpr char kEnsure[] = "devcfg_config_ensure";
constexpr char kLock[] = "devcfg_config_lock";
constexpr char kInsertVersion[] = "devcfg_config_insert_version";
constexpr char kSetDesired[] = "devcfg_config_set_desired";
constexpr char kPrune[] = "devcfg_config_prune";
constexpr char kState[] = "devcfg_config_state";
constexpr char kStates[] = "devcfg_config_states";
constexpr char kVersion[] = "devcfg_config_version";
constexpr char kVersions[] = "devcfg_config_versions";
constexpr char kReport[] = "devcfg_config_report";
constexpr char kReportFailed[] = "devcfg_config_report_failed";
constexpr char kTemplateUpsert[] = "devcfg_template_upsert";
constexpr char kTemplateInsert[] = "devcfg_template_insert";
constexpr char kTemplateUpdateIf[] = "devcfg_template_update_if";
constexpr char kTemplateGet[] = "devcfg_template_get";
constexpr char kTemplateRevision[] = "devcfg_template_revision";
constexpr char kTemplateDelete[] = "devcfg_template_delete";
constexpr char kTemplateDeleteIf[] = "devcfg_template_delete_if";
constexpr char kTemplateList[] = "devcfg_template_list";

// Unix microseconds -> timestamptz, exactly; and back.
std::string Ts(int param) {
  return absl::StrCat("('epoch'::timestamptz + $", param, "::bigint * interval '1 microsecond')");
}
std::string Micros(const char* column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

const std::string& VersionColumns() {
  static const auto* s = new std::string(absl::StrCat("device_id, version, body, author, comment, ",
                                                      Micros("create_time")));
  return *s;
}
ConfigVersion RowToVersion(const pqxx::row& row, int first = 0) {
  ConfigVersion v;
  v.device_id = row[first].as<std::string>();
  v.version = row[first + 1].as<int64_t>();
  v.body = row[first + 2].as<std::string>();
  v.author = row[first + 3].as<std::string>();
  v.comment = row[first + 4].as<std::string>();
  v.create_time = absl::FromUnixMicros(row[first + 5].as<int64_t>());
  return v;
}

const std::string& TemplateColumns() {
  static const auto* s = new std::string(absl::StrCat("name, body, author, revision, ", Micros("update_time")));
  return *s;
}
ConfigTemplate RowToTemplate(const pqxx::row& row) {
  ConfigTemplate t;
  t.name = row[0].as<std::string>();
  t.body = row[1].as<std::string>();
  t.author = row[2].as<std::string>();
  t.revision = row[3].as<int64_t>();
  t.update_time = absl::FromUnixMicros(row[4].as<int64_t>());
  return t;
}

ConfigState RowToState(const pqxx::row& row) {
  ConfigState s;
  s.desired = RowToVersion(row);
  s.reported_version = row[6].as<int64_t>();
  s.reported_status = row[7].as<std::string>();
  s.reported_hash = row[8].as<std::string>();
  if (!row[9].is_null()) s.reported_time = absl::FromUnixMicros(row[9].as<int64_t>());
  s.failed_version = row[10].as<int64_t>();
  s.failed_reason = row[11].as<std::string>();
  if (!row[12].is_null()) s.failed_time = absl::FromUnixMicros(row[12].as<int64_t>());
  return s;
}

std::optional<ConfigState> ReadState(pqxx::transaction_base& tx, const std::string& id) {
  pqxx::result r = tx.exec_prepared(kState, id);
  if (r.empty()) return std::nullopt;
  return RowToState(r[0]);
}

}  // namespace

const std::vector<pg::Migration>& ConfigMigrations() {
  static const auto* migrations = new std::vector<pg::Migration>{
      {2, "versioned_config", R"sql(
CREATE SEQUENCE config_template_revision;
CREATE TABLE device_config (
  device_id        text COLLATE "C" PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  desired_version  bigint NOT NULL DEFAULT 0,
  reported_version bigint NOT NULL DEFAULT 0,
  reported_status  text   NOT NULL DEFAULT '',
  reported_hash    text   NOT NULL DEFAULT '',
  reported_time    timestamptz
);
CREATE TABLE device_config_versions (
  device_id   text COLLATE "C" NOT NULL REFERENCES device_config (device_id) ON DELETE CASCADE,
  version     bigint      NOT NULL CHECK (version > 0),
  body        text        NOT NULL,
  author      text        NOT NULL,
  comment     text        NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL,
  PRIMARY KEY (device_id, version)
);
CREATE TABLE config_templates (
  name        text COLLATE "C" PRIMARY KEY,
  body        text        NOT NULL,
  author      text        NOT NULL,
  revision    bigint      NOT NULL,
  update_time timestamptz NOT NULL
);
)sql"},
      {3, "config_apply_failures", R"sql(
ALTER TABLE device_config
  ADD COLUMN failed_version bigint NOT NULL DEFAULT 0,
  ADD COLUMN failed_reason  text   NOT NULL DEFAULT '',
  ADD COLUMN failed_time    timestamptz;
)sql"},
  };
  return *migrations;
}

const std::vector<pg::Migration>& DeviceConfigMigrations() {
  static const auto* all = [] {
    auto* v = new std::vector<pg::Migration>(RegistryMigrations());
    v->insert(v->end(), ConfigMigrations().begin(), ConfigMigrations().end());
    return v;
  }();
  return *all;
}

PgConfigStore::PgConfigStore(pg::Pool& pool) : pool_(pool) {
  pool_.Prepare(kEnsure, R"sql(
INSERT INTO device_config (device_id) SELECT id FROM devices WHERE id = $1
ON CONFLICT (device_id) DO NOTHING)sql");
  pool_.Prepare(kLock, "SELECT desired_version, reported_version FROM device_config WHERE device_id = $1 FOR UPDATE");
  pool_.Prepare(kInsertVersion, absl::StrCat(R"sql(
INSERT INTO device_config_versions (device_id, version, body, author, comment, create_time)
VALUES ($1, $2, $3, $4, $5, )sql",
                                             Ts(6), ")"));
  pool_.Prepare(kSetDesired, "UPDATE device_config SET desired_version = $2 WHERE device_id = $1");
  pool_.Prepare(kPrune,
                "DELETE FROM device_config_versions WHERE device_id = $1 AND version <= $2 AND version <> $3");
  const std::string state = absl::StrCat("SELECT v.device_id, v.version, v.body, v.author, v.comment, ",
                                         Micros("v.create_time"),
                                         ", c.reported_version, c.reported_status, c.reported_hash, ",
                                         Micros("c.reported_time"), ", c.failed_version, c.failed_reason, ",
                                         Micros("c.failed_time"), R"sql(
FROM device_config c
JOIN device_config_versions v ON v.device_id = c.device_id AND v.version = c.desired_version
)sql");
  pool_.Prepare(kState, absl::StrCat(state, "WHERE c.device_id = $1"));
  pool_.Prepare(kStates, absl::StrCat(state, "WHERE c.device_id = ANY($1::text[])"));
  pool_.Prepare(kVersion, absl::StrCat("SELECT ", VersionColumns(),
                                       " FROM device_config_versions WHERE device_id = $1 AND version = $2"));
  pool_.Prepare(kVersions, absl::StrCat("SELECT ", VersionColumns(), R"sql(
FROM device_config_versions WHERE device_id = $1 AND ($2::bigint = 0 OR version < $2::bigint)
ORDER BY version DESC LIMIT $3)sql"));
  pool_.Prepare(kReport, absl::StrCat(R"sql(
UPDATE device_config SET reported_version = $2, reported_status = $3, reported_hash = $4, reported_time = )sql",
                                      Ts(5), R"sql(,
  failed_version = CASE WHEN $2 >= failed_version THEN 0 ELSE failed_version END,
  failed_reason  = CASE WHEN $2 >= failed_version THEN '' ELSE failed_reason END,
  failed_time    = CASE WHEN $2 >= failed_version THEN NULL ELSE failed_time END
WHERE device_id = $1 AND $2 <= desired_version AND $2 >= reported_version)sql"));
  pool_.Prepare(kReportFailed, absl::StrCat(R"sql(
UPDATE device_config SET failed_version = $2, failed_reason = $3, failed_time = )sql",
                                            Ts(4), R"sql(
WHERE device_id = $1 AND $2 <= desired_version AND $2 > reported_version AND $2 >= failed_version)sql"));
  pool_.Prepare(kTemplateUpsert, absl::StrCat(R"sql(
INSERT INTO config_templates (name, body, author, revision, update_time)
VALUES ($1, $2, $3, nextval('config_template_revision'), )sql",
                                              Ts(4), R"sql()
ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body, author = EXCLUDED.author,
  revision = EXCLUDED.revision, update_time = EXCLUDED.update_time
RETURNING )sql",
                                              TemplateColumns()));
  pool_.Prepare(kTemplateInsert, absl::StrCat(R"sql(
INSERT INTO config_templates (name, body, author, revision, update_time)
VALUES ($1, $2, $3, nextval('config_template_revision'), )sql",
                                              Ts(4), R"sql()
ON CONFLICT (name) DO NOTHING
RETURNING )sql",
                                              TemplateColumns()));
  pool_.Prepare(kTemplateUpdateIf, absl::StrCat(R"sql(
UPDATE config_templates SET body = $2, author = $3, revision = nextval('config_template_revision'),
  update_time = )sql",
                                                Ts(4), R"sql(
WHERE name = $1 AND revision = $5
RETURNING )sql",
                                                TemplateColumns()));
  pool_.Prepare(kTemplateGet, absl::StrCat("SELECT ", TemplateColumns(), " FROM config_templates WHERE name = $1"));
  pool_.Prepare(kTemplateRevision, "SELECT revision FROM config_templates WHERE name = $1");
  pool_.Prepare(kTemplateDelete, "DELETE FROM config_templates WHERE name = $1 RETURNING name");
  pool_.Prepare(kTemplateDeleteIf, "DELETE FROM config_templates WHERE name = $1 AND revision = $2 RETURNING name");
  pool_.Prepare(kTemplateList, absl::StrCat("SELECT ", TemplateColumns(), " FROM config_templates ORDER BY name"));
}

absl::StatusOr<ConfigVersion> PgConfigStore::Append(const ConfigVersion& v, std::optional<int64_t> expected_version,
                                                    int keep) {
  ConfigVersion out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared(kEnsure, v.device_id);
    pqxx::result locked = tx.exec_prepared(kLock, v.device_id);
    if (locked.empty()) return DeviceNotFound(v.device_id);
    const int64_t current = locked[0][0].as<int64_t>();
    const int64_t reported = locked[0][1].as<int64_t>();
    if (expected_version && *expected_version != current) return ConfigVersionMismatch(v.device_id, current);
    out = v;
    out.version = current + 1;
    tx.exec_prepared(kInsertVersion, out.device_id, out.version, out.body, out.author, out.comment,
                     absl::ToUnixMicros(out.create_time));
    tx.exec_prepared(kSetDesired, out.device_id, out.version);
    tx.exec_prepared(kPrune, out.device_id, out.version - keep, reported);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<ConfigState>> PgConfigStore::GetState(std::string_view device_id) {
  std::optional<ConfigState> out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    out = ReadState(tx, std::string(device_id));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<ConfigState>> PgConfigStore::GetStates(absl::Span<const std::string> device_ids) {
  std::vector<ConfigState> out;
  if (device_ids.empty()) return out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared(kStates, pg::TextArray(device_ids))) out.push_back(RowToState(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<ConfigVersion>> PgConfigStore::GetVersion(std::string_view device_id,
                                                                       int64_t version) {
  std::optional<ConfigVersion> out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    pqxx::result r = tx.exec_prepared(kVersion, std::string(device_id), version);
    if (!r.empty()) out = RowToVersion(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ConfigStore::VersionPage> PgConfigStore::ListVersions(std::string_view device_id, int64_t before,
                                                                     int limit) {
  VersionPage page;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared(kVersions, std::string(device_id), before, limit + 1)) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.more = true;
        break;
      }
      page.items.push_back(RowToVersion(row));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return page;
}

absl::StatusOr<ConfigState> PgConfigStore::Report(std::string_view device_id, int64_t version,
                                                  std::string_view status, std::string_view hash, absl::Time now) {
  ConfigState out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    const std::string id(device_id);
    tx.exec_prepared(kReport, id, version, std::string(status), std::string(hash), absl::ToUnixMicros(now));
    std::optional<ConfigState> s = ReadState(tx, id);
    if (!s || version > s->desired.version) return ConfigVersionNotFound(device_id, version);
    out = std::move(*s);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ConfigState> PgConfigStore::ReportFailed(std::string_view device_id, int64_t version,
                                                        std::string_view reason, absl::Time now) {
  ConfigState out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    const std::string id(device_id);
    tx.exec_prepared(kReportFailed, id, version, std::string(reason), absl::ToUnixMicros(now));
    std::optional<ConfigState> s = ReadState(tx, id);
    if (!s || version > s->desired.version) return ConfigVersionNotFound(device_id, version);
    out = std::move(*s);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ConfigTemplate> PgConfigStore::PutTemplate(const ConfigTemplate& t,
                                                          std::optional<int64_t> expected_revision, absl::Time now) {
  ConfigTemplate out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    const int64_t micros = absl::ToUnixMicros(now);
    pqxx::result r;
    if (!expected_revision) {
      r = tx.exec_prepared(kTemplateUpsert, t.name, t.body, t.author, micros);
    } else if (*expected_revision == 0) {
      r = tx.exec_prepared(kTemplateInsert, t.name, t.body, t.author, micros);
    } else {
      r = tx.exec_prepared(kTemplateUpdateIf, t.name, t.body, t.author, micros, *expected_revision);
    }
    if (r.empty()) {
      pqxx::result current = tx.exec_prepared(kTemplateRevision, t.name);
      return TemplateRevisionMismatch(t.name, current.empty() ? 0 : current[0][0].as<int64_t>());
    }
    out = RowToTemplate(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<ConfigTemplate>> PgConfigStore::GetTemplate(std::string_view name) {
  std::optional<ConfigTemplate> out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    pqxx::result r = tx.exec_prepared(kTemplateGet, std::string(name));
    if (!r.empty()) out = RowToTemplate(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status PgConfigStore::DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    const std::string key(name);
    pqxx::result r = expected_revision ? tx.exec_prepared(kTemplateDeleteIf, key, *expected_revision)
                                       : tx.exec_prepared(kTemplateDelete, key);
    if (!r.empty()) return absl::OkStatus();
    pqxx::result current = tx.exec_prepared(kTemplateRevision, key);
    if (current.empty()) return TemplateNotFound(name);
    return TemplateRevisionMismatch(name, current[0][0].as<int64_t>());
  });
}

absl::StatusOr<std::vector<ConfigTemplate>> PgConfigStore::ListTemplates() {
  std::vector<ConfigTemplate> out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared(kTemplateList)) out.push_back(RowToTemplate(row));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace fleet::devcfg
