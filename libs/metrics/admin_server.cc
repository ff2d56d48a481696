#include "libs/metrics/admin_server.h"

#include <sstream>

#include "libs/http/server.h"
#include "prometheus/text_serializer.h"

namespace fleet::metrics {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";

}  // namespace

AdminServer::AdminServer(std::unique_ptr<http::Server> server) : server_(std::move(server)) {}
AdminServer::~AdminServer() { Stop(); }

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const Options& options, std::shared_ptr<prometheus::Registry> registry,
    std::function<absl::Status()> ready) {
  if (registry == nullptr) return absl::InvalidArgumentError("AdminServer: null registry");
  auto handler = [registry, ready = std::move(ready)](const http::Request& req) -> http::Response {
    const std::string& path = req.path;
    if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
      return {404, kText, {}, "not found\n"};
    }
    if (req.method != "GET" && req.method != "HEAD") {
      return {405, kText, {{"Allow", "GET, HEAD"}}, "method not allowed\n"};
    }
    if (path == "/metrics") {
      std::ostringstream out;
      prometheus::TextSerializer().Serialize(out, registry->Collect());
      return {200, "text/plain; version=0.0.4; charset=utf-8", {}, out.str()};
    }
    if (path == "/healthz") return {200, kText, {}, "ok\n"};
    absl::Status s = ready ? ready() : absl::OkStatus();
    if (s.ok()) return {200, kText, {}, "ready\n"};
    return {503, kText, {}, "not ready: " + std::string(s.message()) + "\n"};
  };
  // One thread: the admin endpoint is low-traffic and `ready` is documented to run on it.
  http::ServerOptions server_options{.address = options.address,
                                     .port = options.port,
                                     .threads = 1,
                                     .max_body_bytes = 64 << 10};
  auto server = http::Server::Start(server_options, std::move(handler));
  if (!server.ok()) return server.status();
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(*server)));
}

int AdminServer::port() const { return server_->port(); }
void AdminServer::Stop() { server_->Stop(); }

}  // namespace fleet::metrics
