#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace fleet::status {

// Converts to a grpc::Status with the same code and message; error_details holds a serialized
// google.rpc.Status{code, message, details=[Any(ErrorInfo)]} (reason defaults per ReasonOrDefault).
// Thread-safe, pure.
grpc::Status ToGrpc(const absl::Status& status);

// Inverse of ToGrpc: same code and message; reason and metadata restored from error_details when
// present. Statuses without details (e.g. transport UNAVAILABLE) keep their code and message.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace fleet::status
