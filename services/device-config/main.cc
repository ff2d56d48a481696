// device-config: the DeviceRegistry and DeviceConfigService gRPC APIs over PostgreSQL. Wiring only.
#include <atomic>
#include <memory>
#include <thread>

#include "libs/grpcx/server.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"
#include "libs/grpcx/signals.h"
#include "libs/log/log.h"
#include "libs/log/process.h"
#include "libs/metrics/admin_server.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/presence/events.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/trace/span.h"
#include "services/device-config/config.h"
#include "services/device-config/domain/registry.h"
#include "services/device-config/domain/config_service.h"
#include "services/device-config/edge/config_pusher.h"
#include "services/device-config/edge/push_metrics.h"
#include "services/device-config/edge/response_consumer.h"
#include "services/device-config/server/device_config_service.h"
#include "services/device-config/server/device_registry_service.h"
#include "services/device-config/storage/pg_config_store.h"
#include "services/device-config/storage/pg_device_repo.h"

namespace fleet::devcfg {
namespace {

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  log::InitProcess("device-config");
  absl::StatusOr<std::shared_ptr<const Config>> loaded = LoadConfig(argc, argv);
  if (!loaded.ok()) return log::FailStartup("invalid configuration", loaded.status());
  const Config& cfg = **loaded;

  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "device-config");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());

  // Backends.
  auto pg = pg::Pool::Connect({.url = cfg.pg_url,
                               .pool_size = static_cast<int>(cfg.pg_pool),
                               .acquire_timeout = cfg.pg_acquire_timeout});
  if (!pg.ok()) return log::FailStartup("postgresql", pg.status());
  if (absl::Status st = pg::Migrate(**pg, DeviceConfigMigrations()); !st.ok()) return log::FailStartup("migrations", st);

  // Domain.
  RealClock clock;
  PgDeviceRepo repo(**pg, static_cast<size_t>(cfg.import_chunk));
  Registry registry(repo, clock);
  PgConfigStore config_store(**pg);
  ConfigService config_service(repo, config_store, clock,
                               std::make_shared<const ConfigOptions>(cfg.config));

  // Pushes: only new desired versions are pushed (nothing at start).
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<kafka::Consumer> uplink;
  std::unique_ptr<PresenceCheck> presence_check;
  std::unique_ptr<ConfigPusher> pusher;
  std::unique_ptr<ConfigResponseConsumer> answers;
  std::unique_ptr<kafka::Consumer> presence_kafka;
  std::unique_ptr<presence::PresenceConsumer> presence_events;
  std::atomic<bool> push_stop{false};
  std::thread pusher_thread, answers_thread, presence_thread, metrics_thread;
  if (!cfg.kafka_bootstrap.empty()) {
    auto p = kafka::Producer::Create({.bootstrap = cfg.kafka_bootstrap});
    if (!p.ok()) return log::FailStartup("kafka producer", p.status());
    producer = std::move(*p);
    auto c = kafka::Consumer::Create(
        {.bootstrap = cfg.kafka_bootstrap, .group_id = cfg.kafka_group, .topics = {cfg.uplink_topic}});
    if (!c.ok()) return log::FailStartup("kafka consumer", c.status());
    uplink = std::move(*c);
    kafka::Producer* prod = producer.get();
    const std::string downlink_template = cfg.downlink_template;
    pusher = std::make_unique<ConfigPusher>(
        config_service,
        [prod, downlink_template](const std::string& device, const std::string& payload) {
          return prod->Send(kafka::DownlinkTopic(downlink_template, device), device, payload);
        },
        clock,
        PusherOptions{.pacing = {.per_second = cfg.push_rate,
                                 .max_in_flight = cfg.push_max_in_flight,
                                 .answer_timeout = cfg.push_answer_timeout}});
    config_service.SetListener(pusher.get());
    if (!cfg.device_online.empty()) {
      presence_check = NewGrpcPresenceCheck(cfg.device_online, absl::Seconds(2));
      pusher->SetPresenceCheck(presence_check.get());
    }
    answers = std::make_unique<ConfigResponseConsumer>(*uplink, config_service, pusher.get(), clock);
    if (!cfg.presence_topic.empty()) {
      auto pc = kafka::Consumer::Create({.bootstrap = cfg.kafka_bootstrap,
                                         .group_id = cfg.kafka_group + "-presence",
                                         .topics = {cfg.presence_topic},
                                         .overrides = presence::PresenceGroupOverrides()});
      if (!pc.ok()) return log::FailStartup("kafka presence consumer", pc.status());
      presence_kafka = std::move(*pc);
      ConfigPusher* push = pusher.get();
      presence_events = std::make_unique<presence::PresenceConsumer>(
          *presence_kafka, [push](const presence::PresenceEvent& e) -> absl::Status {
            if (!e.online) return absl::OkStatus();
            return push->OnDeviceOnline(e.device_id).status();
          });
    }
  }

  // APIs.
  auto metrics_registry = std::make_shared<prometheus::Registry>();
  DeviceRegistryService service(registry);
  DeviceConfigGrpcService config_grpc(config_service);
  auto server =
      grpcx::Server::Start({.address = cfg.grpc_address}, {&service, &config_grpc}, metrics_registry);
  if (!server.ok()) return log::FailStartup("grpc server", server.status());
  pg::Pool* pool = pg->get();
  auto admin =
      metrics::AdminServer::Start({.address = cfg.admin_address, .port = static_cast<int>(cfg.admin_port)},
                                  metrics_registry, [pool]() -> absl::Status {
                                    return pool->InTransaction([](pqxx::work& tx) {
                                      tx.exec("SELECT 1");
                                      return absl::OkStatus();
                                    });
                                  });
  if (!admin.ok()) return log::FailStartup("admin server", admin.status());

  std::unique_ptr<PushMetrics> push_metrics;
  if (pusher) {
    push_metrics = std::make_unique<PushMetrics>(*metrics_registry);
    pusher_thread = std::thread([&] { pusher->Run(push_stop); });
    answers_thread = std::thread([&] { answers->Run(push_stop); });
    if (presence_events) presence_thread = std::thread([&] { presence_events->Run(push_stop); });
    metrics_thread = std::thread([&] {
      while (!push_stop) {
        push_metrics->Refresh(*pusher, presence_events.get());
        absl::SleepFor(absl::Seconds(1));
      }
    });
  }
  log::Info("serving", {{"grpc_port", (*server)->port()}, {"admin_port", (*admin)->port()}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("draining", {{"signal", sig}});
  (*server)->SetServing(false);
  (*server)->Shutdown();
  push_stop = true;
  if (pusher_thread.joinable()) pusher_thread.join();
  if (answers_thread.joinable()) answers_thread.join();
  if (presence_thread.joinable()) presence_thread.join();
  if (metrics_thread.joinable()) metrics_thread.join();
  if (producer) (void)producer->Flush(absl::Seconds(5));
  (*admin)->Stop();
  if (*exporter) (*exporter)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace fleet::devcfg

int main(int argc, char** argv) { return fleet::devcfg::Main(argc, argv); }
