#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"

namespace fleet::tunnel::testing {

// One PostgreSQL server per test binary (started on first use, killed at exit) and a fresh,
// migrated database per call. Thread-safe.
absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(int pool_size = 4);

}  // namespace fleet::tunnel::testing
