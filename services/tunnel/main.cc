// tunnel: brokers on-demand frp tunnels (port leases, session state machine, TTL sweeping,
// audit) behind the fleet.tunnel.v1.TunnelService gRPC API. Wiring only.
#include <atomic>
#include <memory>
#include <thread>

#include "libs/grpcx/server.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "libs/grpcx/signals.h"
#include "libs/log/log.h"
#include "libs/log/process.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/metrics/admin_server.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/presence/events.h"
#include "services/tunnel/background.h"
#include "services/tunnel/config.h"
#include "services/tunnel/domain/broker.h"
#include "services/tunnel/edge/kafka_channel.h"
#include "services/tunnel/edge/response_consumer.h"
#include "services/tunnel/domain/proxy_gate.h"
#include "services/tunnel/server/frps_plugin.h"
#include "services/tunnel/server/tunnel_service.h"
#include "services/tunnel/storage/pg_schema.h"
#include "services/tunnel/storage/pg_store.h"

namespace fleet::tunnel {
namespace {

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  log::InitProcess("tunnel");
  absl::StatusOr<std::shared_ptr<const Config>> loaded = LoadConfig(argc, argv);
  if (!loaded.ok()) return log::FailStartup("invalid configuration", loaded.status());
  const Config& cfg = **loaded;
  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "tunnel");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());

  auto pg = pg::Pool::Connect({.url = cfg.pg_url, .pool_size = static_cast<int>(cfg.pg_pool)});
  if (!pg.ok()) return log::FailStartup("postgresql", pg.status());
  if (absl::Status st = pg::Migrate(**pg, TunnelMigrations()); !st.ok()) return log::FailStartup("migrations", st);
  PgStore store(**pg);
  if (absl::Status st = store.SyncPorts(cfg.servers); !st.ok()) return log::FailStartup("frp port inventory", st);

  RealClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<kafka::Consumer> uplink;
  std::unique_ptr<kafka::Consumer> presence_kafka;
  std::unique_ptr<KafkaDeviceChannel> channel;
  if (cfg.kafka_bootstrap.empty()) {
    log::Warn("no --kafka_bootstrap: tunnel.start is not sent to devices; sessions FAIL at start_timeout");
  } else {
    auto p = kafka::Producer::Create({.bootstrap = cfg.kafka_bootstrap});
    if (!p.ok()) return log::FailStartup("kafka producer", p.status());
    producer = std::move(*p);
    auto c = kafka::Consumer::Create(
        {.bootstrap = cfg.kafka_bootstrap, .group_id = cfg.kafka_group, .topics = {cfg.uplink_topic}});
    if (!c.ok()) return log::FailStartup("kafka consumer", c.status());
    uplink = std::move(*c);
    if (!cfg.presence_topic.empty()) {
      auto pc = kafka::Consumer::Create({.bootstrap = cfg.kafka_bootstrap,
                                         .group_id = cfg.kafka_group + "-presence",
                                         .topics = {cfg.presence_topic},
                                         .overrides = presence::PresenceGroupOverrides()});
      if (!pc.ok()) return log::FailStartup("kafka presence consumer", pc.status());
      presence_kafka = std::move(*pc);
    }
    channel = std::make_unique<KafkaDeviceChannel>(
        *producer, KafkaChannelOptions{.downlink_template = cfg.downlink_template, .sender = cfg.kafka_sender},
        clock);
  }
  TunnelBroker broker(cfg.broker, cfg.servers, store, store, clock, channel.get());
  SweeperMetrics sweeper_metrics(*registry);
  ResponseMetrics response_metrics(*registry);

  TunnelServiceImpl service(broker);
  auto server = grpcx::Server::Start({.address = cfg.grpc_address}, {&service}, registry);
  if (!server.ok()) return log::FailStartup("grpc server", server.status());
  auto admin = metrics::AdminServer::Start(
      {.address = cfg.admin_address, .port = static_cast<int>(cfg.admin_port)}, registry,
      [&pg]() { return (*pg)->InTransaction([](pqxx::work&) { return absl::OkStatus(); }); });
  if (!admin.ok()) return log::FailStartup("admin server", admin.status());

  ProxyGate gate(store, store);
  std::unique_ptr<http::Server> plugin;
  if (cfg.plugin_port >= 0) {
    auto started = http::Server::Start(
        {.address = cfg.plugin_address, .port = static_cast<int>(cfg.plugin_port)},
        [&gate](const http::Request& r) { return HandleFrpsPlugin(gate, r); });
    if (!started.ok()) return log::FailStartup("frps plugin server", started.status());
    plugin = std::move(*started);
  }

  std::atomic<bool> stop{false};
  std::thread sweeper([&] {
    RunSweeper(broker, cfg.sweep_interval, static_cast<int>(cfg.sweep_batch), sweeper_metrics, stop);
  });
  PoolMetrics pool_metrics(*registry);
  std::thread pool_gauges([&] { RunPoolGauges(broker, absl::Seconds(15), pool_metrics, stop); });
  std::unique_ptr<ResponseConsumer> answers;
  std::thread answers_thread;
  if (uplink != nullptr) {
    answers = std::make_unique<ResponseConsumer>(*uplink, broker, channel.get(), response_metrics, clock,
                                                 ResponseConsumerOptions{.max_age = cfg.uplink_max_age});
    answers_thread = std::thread([&] { answers->Run(stop); });
  }
  std::unique_ptr<presence::PresenceConsumer> presence_events;
  std::thread presence_thread;
  if (presence_kafka != nullptr) {
    presence_events = std::make_unique<presence::PresenceConsumer>(
        *presence_kafka, [&broker](const presence::PresenceEvent& e) -> absl::Status {
          if (!e.online) return absl::OkStatus();
          absl::StatusOr<std::optional<Session>> stopped = broker.OnDeviceOnline(e.device_id);
          if (stopped.ok() && stopped->has_value()) {
            log::Info("stale frpc: stop sent", {{"device_id", e.device_id}, {"session_id", (*stopped)->id}});
          }
          return stopped.status();
        });
    presence_thread = std::thread([&] { presence_events->Run(stop); });
  }
  log::Info("serving", {{"grpc_port", (*server)->port()}, {"admin_port", (*admin)->port()},
                        {"frp_servers", static_cast<int>(cfg.servers.size())},
                        {"plugin_port", plugin ? plugin->port() : -1},
                        {"kafka", !cfg.kafka_bootstrap.empty()},
                        {"default_ttl", absl::FormatDuration(cfg.broker.default_ttl)},
                        {"quarantine", absl::FormatDuration(cfg.broker.quarantine)}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("draining", {{"signal", sig}});
  (*server)->SetServing(false);
  stop = true;
  sweeper.join();
  pool_gauges.join();
  if (answers_thread.joinable()) answers_thread.join();
  if (presence_thread.joinable()) presence_thread.join();
  if (producer != nullptr) producer->Flush(absl::Seconds(5)).IgnoreError();
  (*server)->Shutdown();
  (*admin)->Stop();
  if (plugin) plugin->Stop();
  if (*exporter) (*exporter)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace fleet::tunnel

int main(int argc, char** argv) { return fleet::tunnel::Main(argc, argv); }
