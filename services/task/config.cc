#include "services/task/config.h"

#include "absl/strings/str_cat.h"

namespace fleet::task {
namespace {

absl::Status Bad(const std::string& flag, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

}  // namespace

void Config::Register(config::FlagSet& f) {
  f.String("grpc_address", &grpc_address, "gRPC listen address (host:port; the API is on port 7004)");
  f.String("admin_address", &admin_address, "listen address of /metrics, /healthz, /readyz");
  f.Int("admin_port", &admin_port, "admin port");
  f.String("pg_url", &pg_url, "PostgreSQL URL of the task database (required)");
  f.Int("pg_pool", &pg_pool, "PostgreSQL connections");
  f.String("otlp_endpoint", &otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  f.String("device_config", &device_config, "device-config gRPC target (DeviceRegistry)");
  f.String("device_online", &device_online, "device-online gRPC target (BatchGetPresence)");
  f.String("kafka_bootstrap", &kafka_bootstrap, "Kafka bootstrap servers (required)");
  f.String("uplink_topic", &uplink_topic, "shared uplink topic devices report on");
  f.String("downlink_template", &downlink_template, "device downlink topic template ({device_id})");
  f.String("kafka_group", &kafka_group, "consumer group of the uplink consumer (one per service)");
  f.String("kafka_sender", &kafka_sender, "sender of firmware.upgrade / command.run requests");
  f.Duration("uplink_max_age", &uplink_max_age, "device reports older than this are dropped");
  f.Duration("kafka_session_timeout", &kafka_session_timeout,
             "uplink consumer group session timeout (how soon a dead replica's partitions move)");
  f.Int("consumer_threads", &consumer_threads, "uplink consumers in this process (one Kafka consumer each)");
  f.Duration("tick_interval", &tick_interval, "how often the rollout worker plans and sweeps");
  f.Int("sweep_batch", &sweep_batch, "timed-out steps handled per tick");
  f.Int("max_candidates", &max_candidates, "queued devices considered per campaign and tick");
  f.Duration("offline_recheck", &offline_recheck, "how long an offline device waits before it is checked again");
  f.Duration("target_refresh", &target_refresh, "how often include_new campaigns re-resolve their label filter");
  f.Int("presence_parallel", &presence_parallel, "BatchGetPresence calls in flight at once");
  f.Int("max_targets", &max_targets, "most devices per campaign");
}

absl::Status Config::Finish() {
  if (pg_url.empty()) return Bad("pg_url", "required");
  if (grpc_address.find(':') == std::string::npos) return Bad("grpc_address", "must be host:port");
  if (admin_port < 0 || admin_port > 65535) return Bad("admin_port", "must be 0..65535");
  if (pg_pool < 2 || pg_pool > 256) return Bad("pg_pool", "must be 2..256");
  if (device_config.empty()) return Bad("device_config", "required");
  if (device_online.empty()) return Bad("device_online", "required");
  if (kafka_bootstrap.empty()) return Bad("kafka_bootstrap", "required");
  if (uplink_topic.empty()) return Bad("uplink_topic", "required");
  if (downlink_template.empty()) return Bad("downlink_template", "required");
  if (kafka_group.empty()) return Bad("kafka_group", "required");
  if (kafka_sender.empty()) return Bad("kafka_sender", "required");
  if (uplink_max_age <= absl::ZeroDuration()) return Bad("uplink_max_age", "must be positive");
  if (kafka_session_timeout < absl::Seconds(1) || kafka_session_timeout > absl::Minutes(5)) {
    return Bad("kafka_session_timeout", "must be between 1s and 5m");
  }
  if (consumer_threads < 1 || consumer_threads > 32) return Bad("consumer_threads", "must be 1..32");
  if (tick_interval < absl::Milliseconds(10) || tick_interval > absl::Minutes(1)) {
    return Bad("tick_interval", "must be between 10ms and 1m");
  }
  if (sweep_batch < 1 || sweep_batch > 100'000) return Bad("sweep_batch", "must be 1..100000");
  if (max_candidates < 1 || max_candidates > 100'000) return Bad("max_candidates", "must be 1..100000");
  if (offline_recheck < absl::Seconds(1)) return Bad("offline_recheck", "must be at least 1s");
  if (target_refresh < absl::Seconds(1)) return Bad("target_refresh", "must be at least 1s");
  if (presence_parallel < 1 || presence_parallel > 64) return Bad("presence_parallel", "must be 1..64");
  if (max_targets < 1 || max_targets > 1'000'000) return Bad("max_targets", "must be 1..1000000");

  rollout.sweep_limit = static_cast<int>(sweep_batch);
  rollout.max_candidates = static_cast<int>(max_candidates);
  rollout.offline_recheck = offline_recheck;
  rollout.target_refresh = target_refresh;
  manager.limits.max_targets = static_cast<int>(max_targets);
  manager.max_resolved_targets = static_cast<int>(max_targets);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv) {
  auto cfg = std::make_shared<Config>();
  config::FlagSet flags("task");
  cfg->Register(flags);
  flags.ParseOrExit(argc, argv);
  if (absl::Status st = cfg->Finish(); !st.ok()) return st;
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace fleet::task
