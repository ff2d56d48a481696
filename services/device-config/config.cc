#include "services/device-config/config.h"

#include <fstream>
#include <sstream>

#include "services/device-config/domain/config_schema.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fleet::devcfg {

void Config::Register(config::FlagSet& f) {
  f.String("grpc_address", &grpc_address, "gRPC listen address (host:port; port 0 = any)");
  f.String("admin_address", &admin_address, "address of /metrics, /healthz, /readyz");
  f.Int("admin_port", &admin_port, "port of /metrics, /healthz, /readyz (0 = any)");
  f.String("pg_url", &pg_url, "PostgreSQL URL of the device registry");
  f.Int("pg_pool", &pg_pool, "PostgreSQL connections");
  f.Duration("pg_acquire_timeout", &pg_acquire_timeout,
             "wait for a free PostgreSQL connection before UNAVAILABLE");
  f.Int("import_chunk", &import_chunk, "rows per INSERT statement of an ImportDevices transaction");
  f.String("otlp_endpoint", &otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  f.Int("config_retention", &config_retention, "configuration versions kept per device");
  f.String("model_schemas_file", &model_schemas_file,
           "JSON file of required config keys per model: {\"gw-200\": {\"/kafka/cluster\": \"string\"}}");
  f.String("kafka_bootstrap", &kafka_bootstrap, "Kafka bootstrap servers for config pushes (empty = no push)");
  f.String("uplink_topic", &uplink_topic, "shared uplink topic carrying device answers");
  f.String("downlink_template", &downlink_template, "per-device downlink topic template");
  f.String("kafka_group", &kafka_group, "consumer group of the uplink answer consumer");
  f.String("device_online", &device_online,
           "device-online gRPC target; pushes to devices not online wait for their return (empty = push blindly)");
  f.String("presence_topic", &presence_topic,
           "device-online's transitions; an online device out of sync gets its desired version again (empty = off)");
  f.Double("push_rate", &push_rate, "config pushes started per second");
  f.Int("push_max_in_flight", &push_max_in_flight, "config pushes sent and not answered yet");
  f.Duration("push_answer_timeout", &push_answer_timeout, "an unanswered push stops counting as in flight after this");
}

absl::Status Config::Finish() {
  auto bad = [](const std::string& flag, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (pg_url.empty()) return bad("pg_url", "required");
  if (!absl::StartsWith(pg_url, "postgresql://") && !absl::StartsWith(pg_url, "postgres://")) {
    return bad("pg_url", "must be a postgresql:// URL");
  }
  if (grpc_address.find(':') == std::string::npos) return bad("grpc_address", "must be host:port");
  if (admin_port < 0 || admin_port > 65535) return bad("admin_port", "must be 0..65535");
  if (pg_pool < 1 || pg_pool > 256) return bad("pg_pool", "must be 1..256");
  if (pg_acquire_timeout < absl::Milliseconds(100))
    return bad("pg_acquire_timeout", "must be at least 100ms");
  if (import_chunk < 1 || import_chunk > 100000) return bad("import_chunk", "must be 1..100000");
  if (config_retention < 1 || config_retention > 100000) return bad("config_retention", "must be 1..100000");
  config.retention = static_cast<int>(config_retention);
  if (!(push_rate > 0) || push_rate > 1e6) return bad("push_rate", "must be in (0, 1000000]");
  if (push_max_in_flight < 1 || push_max_in_flight > 10'000'000) return bad("push_max_in_flight", "must be 1..10000000");
  if (push_answer_timeout < absl::Seconds(1)) return bad("push_answer_timeout", "must be at least 1s");
  if (!kafka_bootstrap.empty() && (uplink_topic.empty() || downlink_template.empty() || kafka_group.empty())) {
    return bad("kafka_group", "uplink_topic, downlink_template and kafka_group must not be empty");
  }
  if (!model_schemas_file.empty()) {
    std::ifstream in(model_schemas_file);
    if (!in) return bad("model_schemas_file", "cannot read " + model_schemas_file);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<ModelSchemas> schemas = ParseModelSchemas(text.str());
    if (!schemas.ok()) return bad("model_schemas_file", std::string(schemas.status().message()));
    config.schemas = std::move(*schemas);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv) {
  auto cfg = std::make_shared<Config>();
  config::FlagSet flags("device-config");
  cfg->Register(flags);
  flags.ParseOrExit(argc, argv);
  if (absl::Status st = cfg->Finish(); !st.ok()) return st;
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace fleet::devcfg
