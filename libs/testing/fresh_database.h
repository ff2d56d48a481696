#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"

namespace fleet::testing {

// A new database "<prefix><n>", migrated with `migrations`, on one PostgreSQL server shared by the
// whole test binary (started on first use, stopped at exit). Thread-safe.
absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(const std::string& prefix,
                                                         const std::vector<pg::Migration>& migrations,
                                                         int pool_size = 4);

// A second pool on the same database as `pool` (another "replica").
absl::StatusOr<std::unique_ptr<pg::Pool>> ConnectAgain(const pg::Pool& pool, int pool_size = 2);

}  // namespace fleet::testing
