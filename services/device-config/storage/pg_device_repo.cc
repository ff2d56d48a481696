#include "services/device-config/storage/pg_device_repo.h"

#include <pqxx/pqxx>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/pg/array.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "services/device-config/domain/errors.h"
#include "services/device-config/storage/filter_sql.h"

namespace fleet::devcfg {
namespace {

constexpr char kCreate[] = "devcfg_device_create";
constexpr char kGet[] = "devcfg_device_get";
constexpr char kBatchGet[] = "devcfg_device_batch_get";
constexpr char kUpdate[] = "devcfg_device_update";
constexpr char kRevision[] = "devcfg_device_revision";
constexpr char kDelete[] = "devcfg_device_delete";
constexpr char kDeleteIf[] = "devcfg_device_delete_if";
constexpr char kList[] = "devcfg_device_list";
constexpr char kImport[] = "devcfg_device_import";

// Columns every read returns, in the order RowToDevice expects. Times as unix microseconds.
constexpr char kColumns[] =
    "id, display_name, model, hardware_revision, device_group, labels::text, "
    "(extract(epoch FROM create_time) * 1000000)::bigint, "
    "(extract(epoch FROM update_time) * 1000000)::bigint, revision";

// Unix microseconds -> timestamptz, exactly (no float rounding).
std::string Ts(int param) {
  return absl::StrCat("('epoch'::timestamptz + $", param, "::bigint * interval '1 microsecond')");
}

std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [k, v] : labels) {
    w.String(k.data(), k.size());
    w.String(v.data(), v.size());
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Device RowToDevice(const pqxx::row& row) {
  Device d;
  d.id = row[0].as<std::string>();
  d.display_name = row[1].as<std::string>();
  d.model = row[2].as<std::string>();
  d.hardware_revision = row[3].as<std::string>();
  d.group = row[4].as<std::string>();
  const std::string labels = row[5].as<std::string>();
  rapidjson::Document doc;
  doc.Parse(labels.data(), labels.size());
  if (doc.IsObject()) {
    for (auto& m : doc.GetObject()) {
      if (m.value.IsString()) {
        d.labels.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                         std::string(m.value.GetString(), m.value.GetStringLength()));
      }
    }
  }
  d.create_time = absl::FromUnixMicros(row[6].as<int64_t>());
  d.update_time = absl::FromUnixMicros(row[7].as<int64_t>());
  d.revision = row[8].as<int64_t>();
  return d;
}

// The rows of one import chunk as a JSON array for jsonb_to_recordset.
std::string ChunkJson(absl::Span<const Device> devices) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.data(), v.size());
  };
  w.StartArray();
  for (const Device& d : devices) {
    w.StartObject();
    str("id", d.id);
    str("display_name", d.display_name);
    str("model", d.model);
    str("hardware_revision", d.hardware_revision);
    str("device_group", d.group);
    w.Key("labels");
    w.StartObject();
    for (const auto& [k, v] : d.labels) {
      w.String(k.data(), k.size());
      w.String(v.data(), v.size());
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

// Returned from an import transaction to roll it back on purpose.
absl::Status RollbackSentinel() { return absl::CancelledError("devcfg import rollback"); }

}  // namespace

const std::vector<pg::Migration>& RegistryMigrations() {
  static const auto* migrations = new std::vector<pg::Migration>{
      {1, "device_registry", R"sql(
CREATE SEQUENCE device_revision;
CREATE TABLE devices (
  id                text COLLATE "C" PRIMARY KEY,
  display_name      text        NOT NULL DEFAULT '',
  model             text        NOT NULL DEFAULT '',
  hardware_revision text        NOT NULL DEFAULT '',
  device_group      text        NOT NULL DEFAULT '',
  labels            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  revision          bigint      NOT NULL
);
CREATE INDEX devices_labels ON devices USING gin (labels);
CREATE INDEX devices_model ON devices (model, id);
CREATE INDEX devices_group ON devices (device_group, id);
)sql"},
  };
  return *migrations;
}

PgDeviceRepo::PgDeviceRepo(pg::Pool& pool, size_t import_chunk)
    : pool_(pool), import_chunk_(import_chunk == 0 ? 1 : import_chunk) {
  pool_.Prepare(kCreate, absl::StrCat(R"sql(
INSERT INTO devices (id, display_name, model, hardware_revision, device_group, labels,
                     create_time, update_time, revision)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, )sql",
                                      Ts(7), ", ", Ts(7), R"sql(, nextval('device_revision'))
ON CONFLICT (id) DO NOTHING
RETURNING )sql",
                                      kColumns));
  pool_.Prepare(kGet, absl::StrCat("SELECT ", kColumns, " FROM devices WHERE id = $1"));
  pool_.Prepare(kBatchGet, absl::StrCat("SELECT ", kColumns, " FROM devices WHERE id = ANY($1::text[])"));
  pool_.Prepare(kUpdate, absl::StrCat(R"sql(
UPDATE devices SET display_name = $2, model = $3, hardware_revision = $4, device_group = $5,
                   labels = $6::jsonb, update_time = )sql",
                                      Ts(7), R"sql(,
                   revision = nextval('device_revision')
WHERE id = $1 AND revision = $8
RETURNING )sql",
                                      kColumns));
  pool_.Prepare(kRevision, "SELECT revision FROM devices WHERE id = $1");
  pool_.Prepare(kDelete, "DELETE FROM devices WHERE id = $1 RETURNING id");
  pool_.Prepare(kDeleteIf, "DELETE FROM devices WHERE id = $1 AND revision = $2 RETURNING id");
  pool_.Prepare(kList, absl::StrCat("SELECT ", kColumns, " FROM devices WHERE id > $1 ORDER BY id LIMIT $2"));
  pool_.Prepare(kImport, absl::StrCat(R"sql(
INSERT INTO devices (id, display_name, model, hardware_revision, device_group, labels,
                     create_time, update_time, revision)
SELECT r.id, r.display_name, r.model, r.hardware_revision, r.device_group, r.labels, )sql",
                                      Ts(2), ", ", Ts(2), R"sql(, nextval('device_revision')
FROM jsonb_to_recordset($1::jsonb) AS r(id text, display_name text, model text,
                                        hardware_revision text, device_group text, labels jsonb)
ON CONFLICT (id) DO NOTHING
RETURNING id
)sql"));
}

absl::StatusOr<Device> PgDeviceRepo::Create(const Device& d, absl::Time now) {
  Device out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared(kCreate, d.id, d.display_name, d.model, d.hardware_revision, d.group,
                                      LabelsJson(d.labels), absl::ToUnixMicros(now));
    if (r.empty()) return DeviceAlreadyExists(d.id);
    out = RowToDevice(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::optional<Device>> PgDeviceRepo::Get(std::string_view id) {
  std::optional<Device> out;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    pqxx::result r = tx.exec_prepared(kGet, std::string(id));
    if (!r.empty()) out = RowToDevice(r[0]);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<Device>> PgDeviceRepo::BatchGet(absl::Span<const std::string> ids) {
  std::vector<Device> out;
  if (ids.empty()) return out;
  absl::flat_hash_map<std::string, Device> found;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared(kBatchGet, pg::TextArray(ids))) {
      Device d = RowToDevice(row);
      std::string id = d.id;
      found.emplace(std::move(id), std::move(d));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  for (const std::string& id : ids) {
    auto it = found.find(id);
    if (it != found.end()) out.push_back(std::move(it->second));
  }
  return out;
}

absl::StatusOr<Device> PgDeviceRepo::Update(const Device& d, int64_t expected_revision, absl::Time now) {
  Device out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_prepared(kUpdate, d.id, d.display_name, d.model, d.hardware_revision, d.group,
                                      LabelsJson(d.labels), absl::ToUnixMicros(now), expected_revision);
    if (!r.empty()) {
      out = RowToDevice(r[0]);
      return absl::OkStatus();
    }
    pqxx::result current = tx.exec_prepared(kRevision, d.id);
    if (current.empty()) return DeviceNotFound(d.id);
    return EtagMismatch(d.id, current[0][0].as<int64_t>());
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status PgDeviceRepo::Delete(std::string_view id, std::optional<int64_t> expected_revision) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    const std::string key(id);
    pqxx::result r = expected_revision ? tx.exec_prepared(kDeleteIf, key, *expected_revision)
                                       : tx.exec_prepared(kDelete, key);
    if (!r.empty()) return absl::OkStatus();
    pqxx::result current = tx.exec_prepared(kRevision, key);
    if (current.empty()) return DeviceNotFound(id);
    return EtagMismatch(id, current[0][0].as<int64_t>());
  });
}

absl::StatusOr<DeviceRepo::Page> PgDeviceRepo::List(const filter::Expr* filter, std::string_view after_id,
                                                    int limit) {
  Page page;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    pqxx::result rows;
    if (filter == nullptr) {
      rows = tx.exec_prepared(kList, std::string(after_id), limit + 1);
    } else {
      // The statement's shape depends on the filter, so it is not a named statement (that would
      // grow every connection's statement cache with each new filter shape); values are still
      // bound parameters, never spliced into the text.
      SqlFilter f = CompileFilter(*filter, 3);
      std::vector<std::string> params = {std::string(after_id), std::to_string(limit + 1)};
      params.insert(params.end(), f.params.begin(), f.params.end());
      rows = tx.exec_params(absl::StrCat("SELECT ", kColumns, " FROM devices WHERE id > $1 AND ", f.sql,
                                         " ORDER BY id LIMIT $2::bigint"),
                            pqxx::prepare::make_dynamic_params(params));
    }
    for (const auto& row : rows) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.more = true;
        break;
      }
      page.items.push_back(RowToDevice(row));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return page;
}

absl::StatusOr<std::vector<size_t>> PgDeviceRepo::Import(absl::Span<const Device> devices, absl::Time now,
                                                         bool dry_run) {
  std::vector<size_t> existing;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    absl::flat_hash_set<std::string> inserted;
    for (size_t start = 0; start < devices.size(); start += import_chunk_) {
      absl::Span<const Device> chunk = devices.subspan(start, import_chunk_);
      for (const auto& row : tx.exec_prepared(kImport, ChunkJson(chunk), absl::ToUnixMicros(now))) {
        inserted.insert(row[0].as<std::string>());
      }
      for (size_t i = 0; i < chunk.size(); ++i) {
        if (!inserted.contains(chunk[i].id)) existing.push_back(start + i);
      }
    }
    return existing.empty() && !dry_run ? absl::OkStatus() : RollbackSentinel();
  });
  if (st.ok() || st == RollbackSentinel()) return existing;
  return st;
}

}  // namespace fleet::devcfg
