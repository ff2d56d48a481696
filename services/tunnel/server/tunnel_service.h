#pragma once

#include "fleet/tunnel/v1/tunnel.grpc.pb.h"
#include "services/tunnel/domain/broker.h"

namespace fleet::tunnel {

// gRPC handlers of fleet.tunnel.v1.TunnelService: convert, call one use case, convert back.
// Errors leave as google.rpc.Status with ErrorInfo (libs/status). Thread-safe.
class TunnelServiceImpl final : public v1::TunnelService::Service {
 public:
  explicit TunnelServiceImpl(TunnelBroker& broker) : broker_(broker) {}

  grpc::Status OpenTunnel(grpc::ServerContext*, const v1::OpenTunnelRequest* req,
                          v1::Session* resp) override;
  grpc::Status GetTunnel(grpc::ServerContext*, const v1::GetTunnelRequest* req,
                         v1::Session* resp) override;
  grpc::Status ListTunnels(grpc::ServerContext*, const v1::ListTunnelsRequest* req,
                           v1::ListTunnelsResponse* resp) override;
  grpc::Status ExtendTunnel(grpc::ServerContext*, const v1::ExtendTunnelRequest* req,
                            v1::Session* resp) override;
  grpc::Status CloseTunnel(grpc::ServerContext*, const v1::CloseTunnelRequest* req,
                           v1::Session* resp) override;

 private:
  grpc::Status Reply(const absl::StatusOr<Session>& s, v1::Session* resp);
  TunnelBroker& broker_;
};

}  // namespace fleet::tunnel
