// device-online: presence from uplink messages, offline sweeping, transitions to Kafka and
// PostgreSQL, and the DeviceOnline gRPC API. Wiring only.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "libs/grpcx/server.h"
#include "libs/grpcx/signals.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/request_reply.h"
#include "libs/log/log.h"
#include "libs/log/process.h"
#include "libs/metrics/admin_server.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/redis/client.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/trace/span.h"
#include "services/device-online/background.h"
#include "services/device-online/config.h"
#include "services/device-online/domain/history.h"
#include "services/device-online/domain/ingest.h"
#include "services/device-online/domain/query.h"
#include "services/device-online/domain/watch_hub.h"
#include "services/device-online/edge/command_channel.h"
#include "services/device-online/edge/presence_topic.h"
#include "services/device-online/server/device_commands_service.h"
#include "services/device-online/edge/uplink_consumer.h"
#include "services/device-online/server/device_online_service.h"
#include "services/device-online/storage/pg_history.h"
#include "services/device-online/storage/redis_presence_store.h"

namespace fleet::online {
namespace {

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  log::InitProcess("device-online");
  absl::StatusOr<std::shared_ptr<const Config>> loaded = LoadConfig(argc, argv);
  if (!loaded.ok()) return log::FailStartup("invalid configuration", loaded.status());
  const Config& cfg = **loaded;

  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "device-online");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());

  // Backends.
  auto redis_options = redis::OptionsFromAddr(cfg.redis_addr);
  if (!redis_options.ok()) return log::FailStartup("redis address", redis_options.status());
  redis_options->pool_size = static_cast<int>(cfg.redis_pool);
  auto redis = redis::Client::Connect(*redis_options);
  if (!redis.ok()) return log::FailStartup("redis", redis.status());
  auto pg = pg::Pool::Connect({.url = cfg.pg_url});
  if (!pg.ok()) return log::FailStartup("postgresql", pg.status());
  if (absl::Status st = pg::Migrate(**pg, PresenceMigrations()); !st.ok()) return log::FailStartup("migrations", st);
  auto producer = kafka::Producer::Create({.bootstrap = cfg.kafka_bootstrap});
  if (!producer.ok()) return log::FailStartup("kafka producer", producer.status());

  // Domain.
  RealClock clock;
  RedisPresenceStore store(**redis, cfg.redis_prefix, cfg.offline_after / 2);
  PgPresenceHistory history(**pg);
  KafkaTransitionSink presence_sink(**producer, cfg.presence_topic);
  PresenceQuery query(store);
  PresenceHistoryQuery history_query(store, history);
  WatchHub hub;
  auto registry = std::make_shared<prometheus::Registry>();
  UplinkMetrics uplink_metrics(*registry);
  BackgroundMetrics background_metrics(*registry);

  const std::map<std::string, std::string> consumer_overrides = {
      {"session.timeout.ms", std::to_string(absl::ToInt64Milliseconds(cfg.kafka_session_timeout))},
      {"heartbeat.interval.ms",
       std::to_string(std::max<int64_t>(100, absl::ToInt64Milliseconds(cfg.kafka_session_timeout) / 10))},
      {"client.id", cfg.replica_id},
  };
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<kafka::Consumer>> consumers;
  std::vector<std::unique_ptr<Ingestor>> ingestors;
  std::vector<std::unique_ptr<UplinkConsumer>> uplinks;
  ProcessedOffsets processed;
  for (int i = 0; i < cfg.consumer_threads; ++i) {
    auto c = kafka::Consumer::Create({.bootstrap = cfg.kafka_bootstrap,
                                      .group_id = cfg.consumer_group,
                                      .topics = {cfg.uplink_topic},
                                      .overrides = consumer_overrides});
    if (!c.ok()) return log::FailStartup("kafka consumer", c.status());
    consumers.push_back(std::move(*c));
    ingestors.push_back(std::make_unique<Ingestor>(
        store, clock, IngestPolicy{cfg.max_message_age, cfg.max_future_skew}));
    uplinks.push_back(std::make_unique<UplinkConsumer>(
        *consumers.back(), *ingestors.back(), store, uplink_metrics, clock, processed,
        UplinkConsumerOptions{.batch = static_cast<size_t>(cfg.batch), .accumulate = cfg.accumulate}));
  }
  auto feed_consumer = kafka::Consumer::Create(
      {.bootstrap = cfg.kafka_bootstrap, .topics = {cfg.presence_topic}, .assign_all_from_end = true});
  if (!feed_consumer.ok()) return log::FailStartup("kafka presence feed", feed_consumer.status());
  PresenceFeed feed(**feed_consumer, hub);
  Sweeper sweeper(store, store, clock, SweepPolicy{.offline_after = cfg.offline_after});
  Relay relay(store, {&presence_sink, &history}, cfg.replica_id, 500, cfg.relay_reclaim_idle);

  // Live commands: request/reply over Kafka on this replica's own reply topic.
  const std::string reply_topic = ReplyTopicFor(cfg.reply_topic_prefix, cfg.replica_id);
  auto rr = kafka::RequestReplyClient::Create({.bootstrap = cfg.kafka_bootstrap,
                                               .reply_topic = reply_topic,
                                               .sender = "device-online",
                                               .downlink_template = cfg.downlink_template});
  if (!rr.ok()) return log::FailStartup("kafka reply topic " + reply_topic, rr.status());
  KafkaCommandChannel command_channel(**rr);
  CommandRelay commands(query, command_channel, clock, CommandOptions{.default_timeout = cfg.command_timeout});

  // APIs.
  DeviceOnlineService service(query, history_query, hub);
  DeviceCommandsService commands_service(commands);
  auto server = grpcx::Server::Start({.address = cfg.grpc_address}, {&service, &commands_service}, registry);
  if (!server.ok()) return log::FailStartup("grpc server", server.status());
  auto admin = metrics::AdminServer::Start(
      {.address = cfg.admin_address, .port = static_cast<int>(cfg.admin_port)}, registry,
      [&redis]() -> absl::Status {
        auto pong = (*redis)->Command({"PING"});
        return pong.ok() ? absl::OkStatus() : pong.status();
      });
  if (!admin.ok()) return log::FailStartup("admin server", admin.status());

  for (auto& u : uplinks) threads.emplace_back([&stop, u = u.get()] { u->Run(stop); });
  threads.emplace_back([&] { RunSweeper(sweeper, cfg.sweep_interval, background_metrics, stop); });
  threads.emplace_back([&] { RunRelay(relay, store, cfg.relay_interval, background_metrics, stop); });
  threads.emplace_back([&] { feed.Run(stop); });
  threads.emplace_back([&] { RunOnlineGauge(query, absl::Seconds(10), background_metrics, stop); });

  log::Info("serving", {{"grpc_port", (*server)->port()}, {"admin_port", (*admin)->port()},
                        {"replica", cfg.replica_id}, {"consumers", cfg.consumer_threads},
                        {"offline_after", absl::FormatDuration(cfg.offline_after)}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("draining", {{"signal", sig}});
  (*server)->SetServing(false);
  stop = true;
  hub.CloseAll();
  for (auto& t : threads) t.join();
  for (auto& c : consumers) (void)c->Close();  // commits what was applied, leaves the group
  (void)(*feed_consumer)->Close();
  (*server)->Shutdown();
  (void)(*producer)->Flush(absl::Seconds(5));
  (*admin)->Stop();
  if (*exporter) (*exporter)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace fleet::online

int main(int argc, char** argv) { return fleet::online::Main(argc, argv); }
