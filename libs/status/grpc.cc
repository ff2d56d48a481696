#include "libs/status/grpc.h"

#include <map>
#include <string>

#include "google/rpc/status.pb.h"
#include "libs/status/status.h"

namespace fleet::status {

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  google::rpc::ErrorInfo info;
  info.set_reason(ReasonOrDefault(status));
  info.set_domain(std::string(kDomain));
  for (const auto& [k, v] : Metadata(status)) (*info.mutable_metadata())[k] = v;
  rpc.add_details()->PackFrom(info);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      rpc.SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  google::rpc::Status rpc;
  if (!status.error_details().empty() && rpc.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : rpc.details()) {
      google::rpc::ErrorInfo info;
      if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
        std::map<std::string, std::string> metadata(info.metadata().begin(),
                                                    info.metadata().end());
        return MakeError(code, info.reason(), status.error_message(), metadata);
      }
    }
  }
  return absl::Status(code, status.error_message());
}

}  // namespace fleet::status
