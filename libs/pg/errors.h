#pragma once

#include <exception>

#include "absl/status/status.h"

namespace fleet::pg {

// Maps an exception thrown by libpqxx (or anything else) to a Status:
//   broken connection, SQLSTATE class 08, 57P01-57P03, 53300 -> UNAVAILABLE ("BACKEND_UNAVAILABLE")
//   23505 unique violation                                    -> ALREADY_EXISTS
//   40001 serialization failure, 40P01 deadlock, other 40xxx  -> ABORTED (retry the transaction)
//   commit outcome unknown (in_doubt_error)                   -> UNKNOWN
//   any other SQL error                                       -> INTERNAL, "SQLSTATE xxxxx: ..."
//   anything else                                             -> INTERNAL
absl::Status StatusFromException(const std::exception& e);

// True when the exception means the connection it came from can no longer be used.
bool IsConnectionFailure(const std::exception& e);

}  // namespace fleet::pg
