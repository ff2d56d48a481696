#include "bff/tunnel_backend.h"

#include "bff/grpc_call.h"
#include "grpcpp/grpcpp.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"

namespace fleet::bff {
namespace {

using Stub = tunnel::v1::TunnelService::Stub;

class GrpcTunnelBackend : public TunnelBackend {
 public:
  explicit GrpcTunnelBackend(std::shared_ptr<grpc::Channel> channel)
      : stub_(tunnel::v1::TunnelService::NewStub(channel)) {}

  absl::StatusOr<tunnel::v1::Session> Open(const tunnel::v1::OpenTunnelRequest& req,
                                           const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::OpenTunnel, req, call);
  }
  absl::StatusOr<tunnel::v1::Session> Get(const tunnel::v1::GetTunnelRequest& req,
                                          const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::GetTunnel, req, call);
  }
  absl::StatusOr<tunnel::v1::ListTunnelsResponse> List(const tunnel::v1::ListTunnelsRequest& req,
                                                        const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ListTunnels, req, call);
  }
  absl::StatusOr<tunnel::v1::Session> Extend(const tunnel::v1::ExtendTunnelRequest& req,
                                             const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::ExtendTunnel, req, call);
  }
  absl::StatusOr<tunnel::v1::Session> Close(const tunnel::v1::CloseTunnelRequest& req,
                                            const CallContext& call) override {
    return UnaryCall(*stub_, &Stub::CloseTunnel, req, call);
  }
  absl::Status Ready() override {
    tunnel::v1::ListTunnelsRequest req;
    req.set_page_size(1);
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(1);
    return UnaryCall(*stub_, &Stub::ListTunnels, req, call).status();
  }

 private:
  std::unique_ptr<Stub> stub_;
};

class UnconfiguredTunnelBackend : public TunnelBackend {
 public:
  absl::StatusOr<tunnel::v1::Session> Open(const tunnel::v1::OpenTunnelRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<tunnel::v1::Session> Get(const tunnel::v1::GetTunnelRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<tunnel::v1::ListTunnelsResponse> List(const tunnel::v1::ListTunnelsRequest&,
                                                        const CallContext&) override {
    return Err();
  }
  absl::StatusOr<tunnel::v1::Session> Extend(const tunnel::v1::ExtendTunnelRequest&, const CallContext&) override {
    return Err();
  }
  absl::StatusOr<tunnel::v1::Session> Close(const tunnel::v1::CloseTunnelRequest&, const CallContext&) override {
    return Err();
  }
  absl::Status Ready() override { return Err(); }

 private:
  static absl::Status Err() { return NotConfigured("tunnel"); }
};

}  // namespace

std::unique_ptr<TunnelBackend> NewGrpcTunnelBackend(const std::string& target) {
  return std::make_unique<GrpcTunnelBackend>(grpcx::Dial(target));
}

std::unique_ptr<TunnelBackend> NewUnconfiguredTunnelBackend() {
  return std::make_unique<UnconfiguredTunnelBackend>();
}

}  // namespace fleet::bff
