// task: firmware / MCU / command campaigns rolled out to devices in safe batches, with per-device
// progress, log lines and a replayable timeline, behind the fleet.task.v1.TaskService gRPC API.
// Wiring only.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "libs/grpcx/server.h"
#include "libs/grpcx/signals.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "libs/log/log.h"
#include "libs/log/process.h"
#include "libs/metrics/admin_server.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/trace/otlp_exporter.h"
#include "services/task/background.h"
#include "services/task/clients/grpc_clients.h"
#include "services/task/config.h"
#include "services/task/domain/reports.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"
#include "services/task/edge/kafka_channel.h"
#include "services/task/edge/uplink_consumer.h"
#include "services/task/server/task_service.h"
#include "services/task/storage/pg_schema.h"
#include "services/task/storage/pg_store.h"

namespace fleet::task {
namespace {

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  log::InitProcess("task");
  absl::StatusOr<std::shared_ptr<const Config>> loaded = LoadConfig(argc, argv);
  if (!loaded.ok()) return log::FailStartup("invalid configuration", loaded.status());
  const Config& cfg = **loaded;
  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "task");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());

  auto pg = pg::Pool::Connect({.url = cfg.pg_url, .pool_size = static_cast<int>(cfg.pg_pool)});
  if (!pg.ok()) return log::FailStartup("postgresql", pg.status());
  if (absl::Status st = pg::Migrate(**pg, TaskMigrations()); !st.ok()) return log::FailStartup("migrations", st);
  PgStore store(**pg);

  auto producer = kafka::Producer::Create({.bootstrap = cfg.kafka_bootstrap});
  if (!producer.ok()) return log::FailStartup("kafka producer", producer.status());
  const int64_t session_ms = absl::ToInt64Milliseconds(cfg.kafka_session_timeout);
  std::vector<std::unique_ptr<kafka::Consumer>> uplinks;
  for (int64_t i = 0; i < cfg.consumer_threads; ++i) {
    auto uplink = kafka::Consumer::Create(
        {.bootstrap = cfg.kafka_bootstrap,
         .group_id = cfg.kafka_group,
         .topics = {cfg.uplink_topic},
         .overrides = {{"session.timeout.ms", std::to_string(session_ms)},
                       {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, session_ms / 10))}}});
    if (!uplink.ok()) return log::FailStartup("kafka consumer", uplink.status());
    uplinks.push_back(std::move(*uplink));
  }

  RealClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  KafkaDeviceChannel channel(**producer,
                             {.downlink_template = cfg.downlink_template, .sender = cfg.kafka_sender}, clock);
  GrpcPresenceSource presence(presence::v1::DeviceOnline::NewStub(grpcx::Dial(cfg.device_online)),
                              {.parallel = static_cast<int>(cfg.presence_parallel)});
  GrpcDeviceDirectory directory(config::v1::DeviceRegistry::NewStub(grpcx::Dial(cfg.device_config)));
  TaskManager tasks(store, store, directory, clock, cfg.manager);
  Rollout rollout(store, store, channel, presence, directory, clock, cfg.rollout);
  DeviceReports reports(store, clock);
  RolloutMetrics rollout_metrics(*registry);
  UplinkMetrics uplink_metrics(*registry);
  CampaignGauges campaign_gauges(*registry, store);

  TaskServiceImpl service(tasks);
  auto server = grpcx::Server::Start({.address = cfg.grpc_address}, {&service}, registry);
  if (!server.ok()) return log::FailStartup("grpc server", server.status());
  auto admin = metrics::AdminServer::Start(
      {.address = cfg.admin_address, .port = static_cast<int>(cfg.admin_port)}, registry,
      [&pg]() { return (*pg)->InTransaction([](pqxx::work&) { return absl::OkStatus(); }); });
  if (!admin.ok()) return log::FailStartup("admin server", admin.status());

  std::atomic<bool> stop{false};
  std::thread worker([&] { RunRollout(rollout, cfg.tick_interval, rollout_metrics, stop, &campaign_gauges); });
  std::vector<std::unique_ptr<UplinkConsumer>> consumers;
  std::vector<std::thread> consumer_threads;
  for (std::unique_ptr<kafka::Consumer>& uplink : uplinks) {
    consumers.push_back(std::make_unique<UplinkConsumer>(*uplink, reports, uplink_metrics, clock,
                                                         UplinkConsumerOptions{.max_age = cfg.uplink_max_age}));
    consumer_threads.emplace_back([&stop, c = consumers.back().get()] { c->Run(stop); });
  }
  log::Info("serving", {{"grpc_port", (*server)->port()}, {"admin_port", (*admin)->port()},
                        {"tick_interval", absl::FormatDuration(cfg.tick_interval)},
                        {"device_online", cfg.device_online}, {"device_config", cfg.device_config}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("draining", {{"signal", sig}});
  (*server)->SetServing(false);
  stop = true;
  worker.join();
  for (std::thread& t : consumer_threads) t.join();
  (*producer)->Flush(absl::Seconds(5)).IgnoreError();
  (*server)->Shutdown();
  (*admin)->Stop();
  if (*exporter) (*exporter)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace fleet::task

int main(int argc, char** argv) { return fleet::task::Main(argc, argv); }
