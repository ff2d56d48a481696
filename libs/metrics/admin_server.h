#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace fleet::http {
class Server;
}  // namespace fleet::http

namespace fleet::metrics {

// Admin HTTP endpoint of every service, on its own thread:
//   GET /metrics  Prometheus text format (0.0.4) of the registry.
//   GET /healthz  200 "ok" while the process runs.
//   GET /readyz   200 "ready" when ready() returns OK, else 503 with the status message.
// Other paths 404, other methods 405. `ready` runs on the server thread; it must be thread-safe
// and fast. Stop() or destruction stops serving.
class AdminServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0 = pick a free port
  };

  // Errors: UNAVAILABLE if the port cannot be bound; INVALID_ARGUMENT for a bad address or a null
  // registry.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const Options& options, std::shared_ptr<prometheus::Registry> registry,
      std::function<absl::Status()> ready);
  ~AdminServer();

  int port() const;
  void Stop();

 private:
  explicit AdminServer(std::unique_ptr<http::Server> server);
  std::unique_ptr<http::Server> server_;
};

}  // namespace fleet::metrics
