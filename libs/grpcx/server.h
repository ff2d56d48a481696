#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"

namespace fleet::grpcx {

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // port 0 = pick a free port
  absl::Duration drain_timeout = absl::Seconds(10);
  // Largest request accepted (gRPC's own default is 4 MiB; bulk imports need more).
  int max_receive_message_bytes = 32 << 20;
  // Synchronous-server threads waiting for calls. gRPC starts another thread when fewer than
  // min_pollers are waiting and lets a thread exit after its call when more than max_pollers
  // are; its defaults (1 and 2) create and destroy about a thread per call under load.
  int min_pollers = 2;
  int max_pollers = 16;
};

// A started gRPC server with the standard health service (grpc.health.v1, overall status SERVING
// at start), tracing (//libs/trace:grpc server interceptor), metrics in `registry`
// (grpc_server_handled_total{method,code}, grpc_server_handling_seconds{method}) and a JSON access
// log. `services` must outlive the Server. Thread-safe.
class Server {
 public:
  // Errors: UNAVAILABLE if the address cannot be bound; INVALID_ARGUMENT for a null registry.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       std::vector<grpc::Service*> services,
                                                       std::shared_ptr<prometheus::Registry> registry);
  ~Server();  // Shutdown()

  int port() const { return port_; }
  // Sets the overall health status (SERVING / NOT_SERVING) reported by grpc.health.v1.Health.
  void SetServing(bool serving);
  // Reports NOT_SERVING, stops accepting calls, waits up to drain_timeout for in-flight calls and
  // then cancels the rest. Idempotent; blocks until done.
  void Shutdown();

 private:
  Server(std::unique_ptr<grpc::Server> server, int port, absl::Duration drain_timeout);
  std::unique_ptr<grpc::Server> server_;
  int port_;
  absl::Duration drain_timeout_;
  std::once_flag shutdown_once_;
};

// A client channel to `target` with the tracing client interceptor and keepalive (ping every 30s,
// 10s timeout, also without active calls). Insecure credentials (in-cluster traffic).
std::shared_ptr<grpc::Channel> Dial(std::string_view target);

}  // namespace fleet::grpcx
