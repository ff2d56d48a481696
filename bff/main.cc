// fleet-bff: the HTTP/JSON front door. Wiring only.
#include <memory>

#include "bff/api.h"
#include "bff/config_backend.h"
#include "bff/presence_backend.h"
#include "bff/registry_backend.h"
#include "bff/tunnel_backend.h"
#include "libs/config/flags.h"
#include "libs/grpcx/signals.h"
#include "libs/http/server.h"
#include "libs/log/log.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/trace/trace.h"

namespace fleet::bff {
namespace {

struct Config {
  std::string http_address = "127.0.0.1";
  int64_t http_port = 8080;
  std::string device_online = "127.0.0.1:7001";
  // Empty = the BFF runs without that service: its routes answer 503 BACKEND_UNAVAILABLE
  // ("device-config is not configured") and readiness reports it as NOT_CONFIGURED.
  std::string device_config;
  std::string tunnel;
  std::string otlp_endpoint;
  int64_t threads = 8;
  absl::Duration backend_timeout = absl::Seconds(5);

  absl::Status Validate() const {
    if (http_port < 0 || http_port > 65535) return absl::InvalidArgumentError("--http_port must be 0..65535");
    if (device_online.empty()) return absl::InvalidArgumentError("--device_online is required");
    if (threads < 1 || threads > 256) return absl::InvalidArgumentError("--threads must be 1..256");
    if (backend_timeout <= absl::ZeroDuration())
      return absl::InvalidArgumentError("--backend_timeout must be positive");
    return absl::OkStatus();
  }
};

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  Config cfg;
  config::FlagSet flags("fleet-bff");
  flags.String("http_address", &cfg.http_address, "HTTP listen address");
  flags.Int("http_port", &cfg.http_port, "HTTP port (0 = any free port)");
  flags.String("device_online", &cfg.device_online, "device-online gRPC target");
  flags.String("device_config", &cfg.device_config,
               "device-config gRPC target, registry and config (empty = device and config routes answer 503)");
  flags.String("tunnel", &cfg.tunnel, "tunnel gRPC target (empty = tunnel routes answer 503 BACKEND_UNAVAILABLE)");
  flags.String("otlp_endpoint", &cfg.otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  flags.Int("threads", &cfg.threads, "HTTP handler threads");
  flags.Duration("backend_timeout", &cfg.backend_timeout, "deadline of each service call");
  flags.ParseOrExit(argc, argv);
  log::SetService("fleet-bff");
  if (absl::Status st = cfg.Validate(); !st.ok()) return log::FailStartup("invalid configuration", st);
  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "fleet-bff");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());
  auto registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<PresenceBackend> presence = NewGrpcPresenceBackend(cfg.device_online);
  std::unique_ptr<RegistryBackend> device_config =
      cfg.device_config.empty() ? NewUnconfiguredRegistryBackend() : NewGrpcRegistryBackend(cfg.device_config);
  // DeviceConfigService is served by the same device-config process, on the same address.
  std::unique_ptr<ConfigBackend> config_versions =
      cfg.device_config.empty() ? NewUnconfiguredConfigBackend() : NewGrpcConfigBackend(cfg.device_config);
  std::unique_ptr<TunnelBackend> tunnel =
      cfg.tunnel.empty() ? NewUnconfiguredTunnelBackend() : NewGrpcTunnelBackend(cfg.tunnel);
  if (cfg.device_config.empty()) log::Warn("--device_config not set: device and config routes answer 503", {});
  if (cfg.tunnel.empty()) log::Warn("--tunnel not set: tunnel routes answer 503", {});
  Api api({*presence, *device_config, *config_versions, *tunnel}, registry, {.backend_timeout = cfg.backend_timeout});
  auto server = http::Server::Start(
      {.address = cfg.http_address, .port = static_cast<int>(cfg.http_port), .threads = static_cast<int>(cfg.threads)},
      [&api](const http::Request& r) { return api.Handle(r); });
  if (!server.ok()) {
    log::Error("http server", {{"error", server.status().message()}});
    return 1;
  }
  log::Info("listening", {{"http_port", (*server)->port()}, {"device_online", cfg.device_online},
                        {"device_config", cfg.device_config}, {"tunnel", cfg.tunnel}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("shutting down", {{"signal", sig}});
  (*server)->Stop();
  if (*exporter) (*exporter)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace fleet::bff

int main(int argc, char** argv) { return fleet::bff::Main(argc, argv); }
