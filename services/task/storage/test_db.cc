#include "services/task/storage/test_db.h"

#include "libs/testing/fresh_database.h"
#include "services/task/storage/pg_schema.h"

namespace fleet::task::testing {

absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(int pool_size) {
  return fleet::testing::FreshDatabase("task_test_", TaskMigrations(), pool_size);
}

absl::StatusOr<std::unique_ptr<pg::Pool>> ConnectAgain(const pg::Pool& pool, int pool_size) {
  return fleet::testing::ConnectAgain(pool, pool_size);
}

}  // namespace fleet::task::testing
