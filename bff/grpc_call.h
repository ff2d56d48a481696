#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "libs/status/grpc.h"

namespace fleet::bff {

// Applies `call` to a gRPC client context: deadline (when finite) and x-request-id metadata.
void PrepareGrpcContext(grpc::ClientContext& ctx, const CallContext& call);

// One unary call on `stub` with the call's deadline and request id; gRPC errors come back as
// absl::Status with their reason and metadata. Usage: UnaryCall(*stub_, &Stub::GetTunnel, req, call).
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> UnaryCall(Stub& stub,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                               const Req& req, const CallContext& call) {
  grpc::ClientContext ctx;
  PrepareGrpcContext(ctx, call);
  Resp resp;
  grpc::Status st = (stub.*method)(&ctx, req, &resp);
  if (!st.ok()) return status::FromGrpc(st);
  return resp;
}

// UNAVAILABLE / BACKEND_UNAVAILABLE "<backend> is not configured", metadata
// {"backend": backend, "configured": "false"}: what backends the BFF was started without answer.
absl::Status NotConfigured(const std::string& backend);

// True for statuses made by NotConfigured (readiness reports them but is not failed by them).
bool IsNotConfigured(const absl::Status& status);

}  // namespace fleet::bff
