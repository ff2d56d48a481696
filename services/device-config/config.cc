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
