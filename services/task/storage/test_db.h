#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"

namespace fleet::task::testing {

// A new, migrated database on a PostgreSQL server shared by the test binary (started on first
// use, stopped at exit). Thread-safe.
absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(int pool_size = 4);
// A second pool on the database of the last FreshDatabase call (another "replica").
absl::StatusOr<std::unique_ptr<pg::Pool>> ConnectAgain(const pg::Pool& pool, int pool_size = 2);

}  // namespace fleet::task::testing
