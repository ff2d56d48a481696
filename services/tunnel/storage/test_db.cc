#include "services/tunnel/storage/test_db.h"

#include "libs/testing/fresh_database.h"
#include "services/tunnel/storage/pg_schema.h"

namespace fleet::tunnel::testing {

absl::StatusOr<std::unique_ptr<pg::Pool>> FreshDatabase(int pool_size) {
  return fleet::testing::FreshDatabase("tunnel_test_", TunnelMigrations(), pool_size);
}

}  // namespace fleet::tunnel::testing
