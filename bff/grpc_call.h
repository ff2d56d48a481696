#pragma once

#include <string>

#include "absl/status/status.h"
#include "bff/call_context.h"
#include "grpcpp/client_context.h"

namespace fleet::bff {

// Applies `call` to a gRPC client context: deadline (when finite) and x-request-id metadata.
void PrepareGrpcContext(grpc::ClientContext& ctx, const CallContext& call);

// UNAVAILABLE / BACKEND_UNAVAILABLE "<backend> is not configured", metadata
// {"backend": backend, "configured": "false"}: what backends the BFF was started without answer.
absl::Status NotConfigured(const std::string& backend);

// True for statuses made by NotConfigured (readiness reports them but is not failed by them).
bool IsNotConfigured(const absl::Status& status);

}  // namespace fleet::bff
