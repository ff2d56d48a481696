#pragma once

#include <vector>

#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "services/device-config/domain/config_ports.h"

namespace fleet::devcfg {

// The versioned-configuration schema changes (versions 2 and up; they need the registry's
// `devices` table, version 1).
const std::vector<pg::Migration>& ConfigMigrations();

// device-config's whole schema in order: RegistryMigrations() followed by ConfigMigrations().
// Existing versions keep their number and SQL, so databases migrated with the registry-only list
// just get the new versions. Apply with pg::Migrate.
const std::vector<pg::Migration>& DeviceConfigMigrations();

// ConfigStore on PostgreSQL (libpqxx through libs/pg). Thread-safe; errors as libs/pg maps them
// (UNAVAILABLE when the server is unreachable) plus the domain errors.
//
// - device_config holds one row per device (desired and reported version); versions live in
//   device_config_versions with PRIMARY KEY (device_id, version). Both cascade on device delete.
// - Append locks the device's device_config row (SELECT ... FOR UPDATE) before comparing the
//   expected version, so concurrent writers holding the same expected version get exactly one
//   winner and the others ABORTED; the insert, the desired pointer and the retention prune
//   commit together. Devices absent from `devices` give DEVICE_NOT_FOUND.
// - Report moves reported forward in one conditional UPDATE (never backwards).
// - Template revisions come from one sequence, so they are never reused.
class PgConfigStore : public ConfigStore {
 public:
  // Registers the named statements on `pool`. The schema must be migrated.
  explicit PgConfigStore(pg::Pool& pool);

  absl::StatusOr<ConfigVersion> Append(const ConfigVersion& v, std::optional<int64_t> expected_version,
                                       int keep) override;
  absl::StatusOr<std::optional<ConfigState>> GetState(std::string_view device_id) override;
  absl::StatusOr<std::vector<ConfigState>> GetStates(absl::Span<const std::string> device_ids) override;
  absl::StatusOr<std::optional<ConfigVersion>> GetVersion(std::string_view device_id, int64_t version) override;
  absl::StatusOr<VersionPage> ListVersions(std::string_view device_id, int64_t before, int limit) override;
  absl::StatusOr<ConfigState> Report(std::string_view device_id, int64_t version, std::string_view status,
                                     std::string_view hash, absl::Time now) override;
  absl::StatusOr<ConfigState> ReportFailed(std::string_view device_id, int64_t version, std::string_view reason,
                                           absl::Time now) override;
  absl::StatusOr<ConfigTemplate> PutTemplate(const ConfigTemplate& t, std::optional<int64_t> expected_revision,
                                             absl::Time now) override;
  absl::StatusOr<std::optional<ConfigTemplate>> GetTemplate(std::string_view name) override;
  absl::Status DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) override;
  absl::StatusOr<std::vector<ConfigTemplate>> ListTemplates() override;

 private:
  pg::Pool& pool_;
};

}  // namespace fleet::devcfg
