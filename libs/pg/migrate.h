#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/pg/pool.h"

namespace fleet::pg {

// One schema change. `sql` may hold several statements; it runs in one transaction.
struct Migration {
  int version;  // > 0, unique; applied in increasing order.
  std::string name;
  std::string sql;
};

// Brings the database up to date: applies each migration not yet recorded in
// schema_migrations(version, name, checksum, applied_at), in version order, each in its own
// transaction together with its record. All work takes pg_advisory_xact_lock on one key, so
// concurrent callers (threads or processes, e.g. replicas starting together) are serialized and
// each migration runs exactly once; running it again is a no-op.
//
// Errors: INVALID_ARGUMENT for a non-positive or duplicate version; FAILED_PRECONDITION when a
// migration already applied has different SQL now (SHA-256 checksum mismatch; nothing is applied
// then); a failing migration's error as mapped by Pool (earlier ones stay applied). Versions in
// the table that `migrations` does not list (a newer binary ran) are accepted.
absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations);

// Hex SHA-256 of a migration's SQL, as stored in schema_migrations.checksum.
std::string MigrationChecksum(const std::string& sql);

}  // namespace fleet::pg
