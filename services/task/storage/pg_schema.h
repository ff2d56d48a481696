#pragma once

#include <vector>

#include "libs/pg/migrate.h"

namespace fleet::task {

// The task service's schema, for pg::Migrate (own database). Append new versions; never edit an
// applied one.
const std::vector<pg::Migration>& TaskMigrations();

}  // namespace fleet::task
