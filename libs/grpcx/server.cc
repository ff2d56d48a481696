#include "libs/grpcx/server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/grpcx/server_interceptor.h"
#include "libs/log/log.h"
#include "libs/trace/grpc.h"

namespace fleet::grpcx {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, std::vector<grpc::Service*> services,
    std::shared_ptr<prometheus::Registry> registry) {
  if (registry == nullptr) return absl::InvalidArgumentError("grpcx::Server: null registry");
  grpc::EnableDefaultHealthCheckService(true);  // process-wide; must precede BuildAndStart
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(), &port);
  // Accept the keepalive pings that Dial() clients send (every 30s, also when idle).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (options.min_pollers < 1 || options.max_pollers < options.min_pollers) {
    return absl::InvalidArgumentError(absl::StrCat("grpcx::Server: need 1 <= min_pollers (",
                                                   options.min_pollers, ") <= max_pollers (",
                                                   options.max_pollers, ")"));
  }
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, options.min_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options.max_pollers);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // gRPC runs server interceptors in reverse order for POST_RECV hooks and in order for PRE_SEND
  // hooks, so the tracing interceptor (second) has made the server span current before the
  // metrics/log interceptor (first) looks, and restores it only after the access log is written.
  creators.push_back(NewMetricsAndLogInterceptorFactory(registry));
  creators.push_back(trace::NewServerInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot start gRPC server on ", options.address));
  }
  log::Info("grpc server listening", {{"address", options.address}, {"port", port}});
  auto out = std::unique_ptr<Server>(new Server(std::move(server), port, options.drain_timeout));
  out->SetServing(true);
  return out;
}

Server::Server(std::unique_ptr<grpc::Server> server, int port, absl::Duration drain_timeout)
    : server_(std::move(server)), port_(port), drain_timeout_(drain_timeout) {}

Server::~Server() { Shutdown(); }

void Server::SetServing(bool serving) {
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(serving);
}

void Server::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    SetServing(false);
    absl::Time start = absl::Now();
    server_->Shutdown(absl::ToChronoTime(start + drain_timeout_));
    server_->Wait();
    log::Info("grpc server stopped",
              {{"drain_ms", absl::ToDoubleMilliseconds(absl::Now() - start)}});
  });
}

std::shared_ptr<grpc::Channel> Dial(std::string_view target) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(32 << 20);
  args.SetMaxReceiveMessageSize(32 << 20);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(trace::NewClientInterceptorFactory());
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      std::string(target), grpc::InsecureChannelCredentials(), args, std::move(creators));
}

}  // namespace fleet::grpcx
