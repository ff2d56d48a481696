#include "services/device-online/config.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace fleet::online {

void Config::Register(config::FlagSet& f) {
  f.String("grpc_address", &grpc_address, "gRPC listen address (host:port; port 0 = any)");
  f.String("admin_address", &admin_address, "address of /metrics, /healthz, /readyz");
  f.Int("admin_port", &admin_port, "port of /metrics, /healthz, /readyz (0 = any)");
  f.String("redis_addr", &redis_addr, "Redis host:port holding current presence");
  f.String("redis_prefix", &redis_prefix, "prefix of every Redis key");
  f.Int("redis_pool", &redis_pool, "Redis connections");
  f.String("pg_url", &pg_url, "PostgreSQL URL for the presence history");
  f.String("kafka_bootstrap", &kafka_bootstrap, "Kafka bootstrap servers");
  f.String("uplink_topic", &uplink_topic, "shared device uplink topic");
  f.String("presence_topic", &presence_topic, "topic of presence transitions");
  f.String("consumer_group", &consumer_group, "consumer group of every device-online replica");
  f.Duration("kafka_session_timeout", &kafka_session_timeout, "consumer group session timeout");
  f.Int("consumer_threads", &consumer_threads, "uplink consumers in this process");
  f.Int("batch", &batch, "most uplink messages applied per batch");
  f.Duration("accumulate", &accumulate, "under a backlog, how long a batch may fill up");
  f.String("replica_id", &replica_id, "this replica's name (default hostname-pid)");
  f.Duration("heartbeat_interval", &heartbeat_interval, "devices' heartbeat interval");
  f.Duration("offline_after", &offline_after, "silence before offline (0 = 3 x heartbeat_interval)");
  f.Duration("max_message_age", &max_message_age, "older uplink messages are dropped");
  f.Duration("max_future_skew", &max_future_skew, "uplink messages further in the future are dropped");
  f.Duration("sweep_interval", &sweep_interval, "how often silent devices are looked for");
  f.Duration("relay_interval", &relay_interval, "how often an empty transition outbox is polled");
  f.Duration("relay_reclaim_idle", &relay_reclaim_idle, "when a dead replica's claimed transitions are taken over");
  f.String("otlp_endpoint", &otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  f.String("downlink_template", &downlink_template, "device downlink topic template for live commands");
  f.String("reply_topic_prefix", &reply_topic_prefix,
           "live command answers come back on <prefix><replica_id> (one topic per replica)");
  f.Duration("command_timeout", &command_timeout, "default wait for a device's answer to a live command (max 60s)");
}

absl::Status Config::Finish() {
  auto bad = [](const std::string& flag, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (kafka_bootstrap.empty()) return bad("kafka_bootstrap", "required");
  if (pg_url.empty()) return bad("pg_url", "required");
  if (redis_addr.find(':') == std::string::npos) return bad("redis_addr", "must be host:port");
  if (grpc_address.find(':') == std::string::npos) return bad("grpc_address", "must be host:port");
  if (admin_port < 0 || admin_port > 65535) return bad("admin_port", "must be 0..65535");
  if (consumer_threads < 1 || consumer_threads > 64) return bad("consumer_threads", "must be 1..64");
  if (batch < 1 || batch > 200000) return bad("batch", "must be 1..200000");
  if (accumulate < absl::ZeroDuration() || accumulate > absl::Seconds(5)) {
    return bad("accumulate", "must be 0..5s");
  }
  if (redis_pool < 1 || redis_pool > 256) return bad("redis_pool", "must be 1..256");
  if (heartbeat_interval < absl::Milliseconds(100)) return bad("heartbeat_interval", "must be at least 100ms");
  if (offline_after == absl::ZeroDuration()) offline_after = 3 * heartbeat_interval;
  if (offline_after <= heartbeat_interval) {
    return bad("offline_after", "must be longer than --heartbeat_interval, or devices flap");
  }
  if (max_message_age <= absl::ZeroDuration()) return bad("max_message_age", "must be positive");
  if (max_future_skew < absl::ZeroDuration()) return bad("max_future_skew", "must not be negative");
  if (sweep_interval <= absl::ZeroDuration()) return bad("sweep_interval", "must be positive");
  if (relay_interval <= absl::ZeroDuration()) return bad("relay_interval", "must be positive");
  if (kafka_session_timeout < absl::Seconds(1)) return bad("kafka_session_timeout", "must be at least 1s");
  if (downlink_template.empty()) return bad("downlink_template", "required");
  if (reply_topic_prefix.empty()) return bad("reply_topic_prefix", "required");
  if (command_timeout < absl::Milliseconds(100) || command_timeout > absl::Seconds(60)) {
    return bad("command_timeout", "must be 100ms..60s");
  }
  if (replica_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    replica_id = absl::StrCat(host, "-", getpid());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv) {
  auto cfg = std::make_shared<Config>();
  config::FlagSet flags("device-online");
  cfg->Register(flags);
  flags.ParseOrExit(argc, argv);
  if (absl::Status st = cfg->Finish(); !st.ok()) return st;
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace fleet::online
