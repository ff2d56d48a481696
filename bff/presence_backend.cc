#include "bff/presence_backend.h"

#include <chrono>

#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "bff/grpc_call.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"

namespace fleet::bff {
namespace {

class GrpcPresenceBackend : public PresenceBackend {
 public:
  explicit GrpcPresenceBackend(std::shared_ptr<grpc::Channel> channel)
      : channel_(channel), stub_(presence::v1::DeviceOnline::NewStub(channel)) {}

  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext& call) override {
    presence::v1::GetPresenceRequest req;
    req.set_name(name);
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::GetPresence, req, call);
  }

  absl::StatusOr<presence::v1::ListPresenceResponse> List(const presence::v1::ListPresenceRequest& req,
                                                          const CallContext& call) override {
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::ListPresence, req, call);
  }

  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext& call) override {
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::ListPresenceHistory, req, call);
  }

  absl::Status Ready() override {
    // A cheap call with a short deadline: the service's own readiness includes its backends.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    presence::v1::ListPresenceRequest req;
    req.set_page_size(1);
    req.set_filter("online");
    presence::v1::ListPresenceResponse resp;
    grpc::Status st = stub_->ListPresence(&ctx, req, &resp);
    if (!st.ok()) return status::FromGrpc(st);
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<presence::v1::DeviceOnline::Stub> stub_;
};

}  // namespace

std::unique_ptr<PresenceBackend> NewGrpcPresenceBackend(const std::string& target) {
  return std::make_unique<GrpcPresenceBackend>(grpcx::Dial(target));
}

}  // namespace fleet::bff
