#include "bff/grpc_call.h"

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::bff {

void PrepareGrpcContext(grpc::ClientContext& ctx, const CallContext& call) {
  if (call.deadline != absl::InfiniteFuture()) ctx.set_deadline(absl::ToChronoTime(call.deadline));
  if (!call.request_id.empty()) ctx.AddMetadata("x-request-id", call.request_id);
}

absl::Status NotConfigured(const std::string& backend) {
  return status::MakeError(absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE",
                           absl::StrCat(backend, " is not configured"),
                           {{"backend", backend}, {"configured", "false"}});
}

bool IsNotConfigured(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnavailable) return false;
  auto md = status::Metadata(status);
  auto it = md.find("configured");
  return it != md.end() && it->second == "false";
}

}  // namespace fleet::bff
