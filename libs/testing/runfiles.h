#pragma once

#include <string>

namespace fleet::testing {

// Absolute path of a Bazel runfile of this workspace ("services/device-online/device-online"),
// looked up under $TEST_SRCDIR/fleetd, $RUNFILES_DIR/fleetd, then the working directory.
// Returns "" when it is not there.
std::string Runfile(const std::string& relative);

}  // namespace fleet::testing
