// tunnel: brokers on-demand frp tunnels (port leases, session state machine, TTL sweeping,
// audit) behind the fleet.tunnel.v1.TunnelService gRPC API. Wiring only.
#include <atomic>
#include <memory>
#include <thread>

#include "libs/grpcx/server.h"
#include "libs/grpcx/signals.h"
#include "libs/log/log.h"
#include "libs/metrics/admin_server.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "services/tunnel/background.h"
#include "services/tunnel/config.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/server/tunnel_service.h"
#include "services/tunnel/storage/pg_schema.h"
#include "services/tunnel/storage/pg_store.h"

namespace fleet::tunnel {
namespace {

int Fail(std::string_view what, const absl::Status& st) {
  log::Error(what, {{"error", st.message()}, {"code", absl::StatusCodeToString(st.code())}});
  return st.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  log::SetService("tunnel");
  absl::StatusOr<std::shared_ptr<const Config>> loaded = LoadConfig(argc, argv);
  if (!loaded.ok()) return Fail("invalid configuration", loaded.status());
  const Config& cfg = **loaded;

  auto pg = pg::Pool::Connect({.url = cfg.pg_url, .pool_size = static_cast<int>(cfg.pg_pool)});
  if (!pg.ok()) return Fail("postgresql", pg.status());
  if (absl::Status st = pg::Migrate(**pg, TunnelMigrations()); !st.ok()) return Fail("migrations", st);
  PgStore store(**pg);
  if (absl::Status st = store.SyncPorts(cfg.servers); !st.ok()) return Fail("frp port inventory", st);

  RealClock clock;
  // The Kafka DeviceChannel (tunnel.start / tunnel.stop) is not wired yet: sessions stay
  // REQUESTED and the sweeper FAILS them at start_timeout.
  log::Warn("no device channel configured: tunnel.start is not sent to devices");
  TunnelBroker broker(cfg.broker, cfg.servers, store, store, clock, /*channel=*/nullptr);
  auto registry = std::make_shared<prometheus::Registry>();
  SweeperMetrics sweeper_metrics(*registry);

  TunnelServiceImpl service(broker);
  auto server = grpcx::Server::Start({.address = cfg.grpc_address}, {&service}, registry);
  if (!server.ok()) return Fail("grpc server", server.status());
  auto admin = metrics::AdminServer::Start(
      {.address = cfg.admin_address, .port = static_cast<int>(cfg.admin_port)}, registry,
      [&pg]() { return (*pg)->InTransaction([](pqxx::work&) { return absl::OkStatus(); }); });
  if (!admin.ok()) return Fail("admin server", admin.status());

  std::atomic<bool> stop{false};
  std::thread sweeper([&] {
    RunSweeper(broker, cfg.sweep_interval, static_cast<int>(cfg.sweep_batch), sweeper_metrics, stop);
  });
  log::Info("serving", {{"grpc_port", (*server)->port()}, {"admin_port", (*admin)->port()},
                        {"frp_servers", static_cast<int>(cfg.servers.size())},
                        {"default_ttl", absl::FormatDuration(cfg.broker.default_ttl)},
                        {"quarantine", absl::FormatDuration(cfg.broker.quarantine)}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("draining", {{"signal", sig}});
  (*server)->SetServing(false);
  stop = true;
  sweeper.join();
  (*server)->Shutdown();
  (*admin)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace fleet::tunnel

int main(int argc, char** argv) { return fleet::tunnel::Main(argc, argv); }
