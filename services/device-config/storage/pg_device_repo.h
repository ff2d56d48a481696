#pragma once

#include <vector>

#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "services/device-config/domain/ports.h"

namespace fleet::devcfg {

// device-config's PostgreSQL schema (registry part), in order. Apply with pg::Migrate.
const std::vector<pg::Migration>& RegistryMigrations();

// DeviceRepo on PostgreSQL (libpqxx through libs/pg). Thread-safe; errors as libs/pg maps them
// (UNAVAILABLE when the server is unreachable) plus the domain errors of errors.h.
//
// - Revisions come from one sequence, so etags are never reused, even across delete/re-create.
// - Update and Delete check the revision in the same statement that writes
//   (UPDATE ... WHERE id = $1 AND revision = $n), so concurrent writers holding the same etag
//   get exactly one winner.
// - List is keyset-paged on the primary key (id > $after ORDER BY id, bytewise "C" collation);
//   filters are compiled to parameterized SQL (filter_sql.h).
// - Import inserts in chunks inside one transaction and rolls everything back when any id
//   exists (or for a dry run).
class PgDeviceRepo : public DeviceRepo {
 public:
  // Registers the named statements on `pool`. The schema must be migrated.
  explicit PgDeviceRepo(pg::Pool& pool, size_t import_chunk = 5000);

  absl::StatusOr<Device> Create(const Device& device, absl::Time now) override;
  absl::StatusOr<std::optional<Device>> Get(std::string_view id) override;
  absl::StatusOr<std::vector<Device>> BatchGet(absl::Span<const std::string> ids) override;
  absl::StatusOr<Device> Update(const Device& device, int64_t expected_revision, absl::Time now) override;
  absl::Status Delete(std::string_view id, std::optional<int64_t> expected_revision) override;
  absl::StatusOr<Page> List(const filter::Expr* filter, std::string_view after_id, int limit) override;
  absl::StatusOr<std::vector<size_t>> Import(absl::Span<const Device> devices, absl::Time now,
                                             bool dry_run) override;

 private:
  pg::Pool& pool_;
  const size_t import_chunk_;
};

}  // namespace fleet::devcfg
