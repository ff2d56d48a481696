#include "services/tunnel/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/tunnel/domain/pool.h"

namespace fleet::tunnel {
namespace {

absl::Status Bad(const std::string& flag, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "host:port" -> ServiceSpec.
absl::StatusOr<ServiceSpec> Local(const std::string& flag, const std::string& name, const std::string& addr) {
  std::vector<std::string> parts = absl::StrSplit(addr, absl::MaxSplits(':', 1));
  int port = 0;
  if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &port)) {
    return Bad(flag, absl::StrCat("\"", addr, "\" must be ip:port"));
  }
  return ServiceSpec{name, parts[0], port};
}

}  // namespace

absl::StatusOr<std::string> ResolveSecret(const std::string& ref) {
  absl::string_view rest(ref);
  if (absl::ConsumePrefix(&rest, "env:")) {
    const char* v = std::getenv(std::string(rest).c_str());
    if (v == nullptr || *v == '\0') return absl::NotFoundError(absl::StrCat("environment variable ", std::string(rest), " is not set"));
    return std::string(v);
  }
  if (absl::ConsumePrefix(&rest, "file:")) {
    absl::StatusOr<std::string> text = ReadFile(std::string(rest));
    if (!text.ok()) return text.status();
    std::string v(absl::StripAsciiWhitespace(*text));
    if (v.empty()) return absl::NotFoundError(absl::StrCat(std::string(rest), " is empty"));
    return v;
  }
  return absl::InvalidArgumentError(absl::StrCat("token_ref \"", ref, "\" must be env:NAME or file:PATH"));
}

absl::StatusOr<std::vector<FrpServer>> ParsePool(std::string_view text, const SecretResolver& resolve) {
  std::vector<FrpServer> out;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), absl::ByAnyChar("\n;"))) {
    absl::string_view line = absl::StripAsciiWhitespace(raw.substr(0, raw.find('#')));
    if (line.empty()) continue;
    FrpServer s;
    bool has_ports = false;
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat("frp server \"", s.name, "\": ", why));
    };
    for (absl::string_view kv : absl::StrSplit(line, ' ', absl::SkipWhitespace())) {
      std::vector<std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
      if (p.size() != 2) return bad(absl::StrCat("\"", std::string(kv), "\" is not key=value"));
      const std::string& k = p[0];
      const std::string& v = p[1];
      if (k == "name") {
        s.name = v;
      } else if (k == "public_address") {
        s.public_address = v;
      } else if (k == "token_ref") {
        s.token_ref = v;
      } else if (k == "bind_port") {
        if (!absl::SimpleAtoi(v, &s.bind_port)) return bad("bind_port must be a number");
      } else if (k == "weight") {
        if (!absl::SimpleAtoi(v, &s.weight)) return bad("weight must be a number");
      } else if (k == "ports") {
        std::vector<std::string> r = absl::StrSplit(v, absl::MaxSplits('-', 1));
        if (r.size() != 2 || !absl::SimpleAtoi(r[0], &s.port_min) || !absl::SimpleAtoi(r[1], &s.port_max)) {
          return bad("ports must be MIN-MAX");
        }
        has_ports = true;
      } else if (k == "mode") {
        if (v == "enabled") s.mode = FrpServer::Mode::kEnabled;
        else if (v == "draining") s.mode = FrpServer::Mode::kDraining;
        else if (v == "disabled") s.mode = FrpServer::Mode::kDisabled;
        else return bad("mode must be enabled, draining or disabled");
      } else {
        return bad(absl::StrCat("unknown key \"", k, "\""));
      }
    }
    if (!has_ports) return bad("ports=MIN-MAX is required");
    if (s.token_ref.empty()) return bad("token_ref is required");
    if (s.mode != FrpServer::Mode::kDisabled) {
      absl::StatusOr<std::string> token = resolve(s.token_ref);
      if (!token.ok()) return bad(absl::StrCat("token: ", token.status().message()));
      s.token = *token;
    }
    out.push_back(std::move(s));
  }
  if (absl::Status st = ValidatePool(out); !st.ok()) return absl::InvalidArgumentError(st.message());
  return out;
}

void Config::Register(config::FlagSet& f) {
  f.String("grpc_address", &grpc_address, "gRPC listen address (host:port; port 0 = any)");
  f.String("admin_address", &admin_address, "address of /metrics, /healthz, /readyz");
  f.Int("admin_port", &admin_port, "port of /metrics, /healthz, /readyz (0 = any)");
  f.String("pg_url", &pg_url, "PostgreSQL URL holding sessions, leases and the audit trail");
  f.String("otlp_endpoint", &otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  f.Int("pg_pool", &pg_pool, "PostgreSQL connections");
  f.String("frp_servers", &frp_servers, "frp server pool, ';'-separated (see config.h)");
  f.String("frp_servers_file", &frp_servers_file, "file with the frp server pool, one per line");
  f.Duration("default_ttl", &default_ttl, "session time to live when the request gives none");
  f.Duration("max_ttl", &max_ttl, "longest ttl per open and per extension");
  f.Duration("max_lifetime", &max_lifetime, "longest a session can live, extensions included");
  f.Int("operator_cap", &operator_cap, "live sessions per operator");
  f.Duration("quarantine", &quarantine, "released ports are not reused for this long");
  f.Duration("frp_heartbeat_timeout", &frp_heartbeat_timeout, "frps heartbeat_timeout (quarantine must exceed it)");
  f.Duration("start_timeout", &start_timeout, "a device must answer tunnel.start within this");
  f.Duration("free_ports_cache", &free_ports_cache,
             "free-port counts used to rank frp servers are re-read at most this often (0 = every open)");
  f.Duration("stop_timeout", &stop_timeout, "a CLOSING session is CLOSED after this without answer");
  f.Duration("auto_stop_grace", &auto_stop_grace, "devices stop frpc this long after the ttl by themselves");
  f.String("ssh_user", &ssh_user, "user in the ready-to-copy ssh command");
  f.String("ssh_local", &ssh_local, "device-side ip:port of the ssh service");
  f.String("web_local", &web_local, "device-side ip:port of the web console");
  f.String("camera_local", &camera_local, "device-side ip:port of the camera admin page");
  f.String("kafka_bootstrap", &kafka_bootstrap, "Kafka bootstrap servers (empty = no device channel)");
  f.String("uplink_topic", &uplink_topic, "shared uplink topic the devices answer on");
  f.String("downlink_template", &downlink_template, "device downlink topic template ({device_id})");
  f.String("kafka_group", &kafka_group, "consumer group of the uplink consumer (one per service)");
  f.String("presence_topic", &presence_topic,
           "device-online's transitions: a device back online with a stale frpc gets tunnel.stop (empty = off)");
  f.String("kafka_sender", &kafka_sender, "sender of tunnel.start / tunnel.stop requests");
  f.Duration("uplink_max_age", &uplink_max_age, "device answers older than this are dropped");
  f.String("plugin_address", &plugin_address, "listen address of the frps server-plugin endpoint");
  f.Int("plugin_port", &plugin_port, "port of the frps server-plugin endpoint (-1 = off, 0 = any)");
  f.Duration("sweep_interval", &sweep_interval, "how often due sessions are looked for");
  f.Int("sweep_batch", &sweep_batch, "sessions ended per sweep transaction");
}

absl::Status Config::Finish(const SecretResolver& resolve) {
  if (pg_url.empty()) return Bad("pg_url", "required");
  if (grpc_address.find(':') == std::string::npos) return Bad("grpc_address", "must be host:port");
  if (admin_port < 0 || admin_port > 65535) return Bad("admin_port", "must be 0..65535");
  if (pg_pool < 1 || pg_pool > 256) return Bad("pg_pool", "must be 1..256");
  if (operator_cap < 1 || operator_cap > 10000) return Bad("operator_cap", "must be 1..10000");
  if (sweep_interval <= absl::ZeroDuration()) return Bad("sweep_interval", "must be positive");
  if (sweep_batch < 1 || sweep_batch > 10000) return Bad("sweep_batch", "must be 1..10000");
  if (plugin_port < -1 || plugin_port > 65535) return Bad("plugin_port", "must be -1..65535");
  if (!kafka_bootstrap.empty()) {
    if (uplink_topic.empty()) return Bad("uplink_topic", "required with --kafka_bootstrap");
    if (downlink_template.empty()) return Bad("downlink_template", "required with --kafka_bootstrap");
    if (kafka_group.empty()) return Bad("kafka_group", "required with --kafka_bootstrap");
    if (kafka_sender.empty()) return Bad("kafka_sender", "required with --kafka_bootstrap");
    if (uplink_max_age <= absl::ZeroDuration()) return Bad("uplink_max_age", "must be positive");
  }
  if (frp_servers.empty() == frp_servers_file.empty()) {
    return Bad("frp_servers", "give exactly one of --frp_servers and --frp_servers_file");
  }
  std::string pool_text = frp_servers;
  if (!frp_servers_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(frp_servers_file);
    if (!text.ok()) return Bad("frp_servers_file", std::string(text.status().message()));
    pool_text = *text;
  }
  absl::StatusOr<std::vector<FrpServer>> pool = ParsePool(pool_text, resolve);
  if (!pool.ok()) return Bad(frp_servers_file.empty() ? "frp_servers" : "frp_servers_file", std::string(pool.status().message()));
  servers = std::move(*pool);

  broker.default_ttl = default_ttl;
  broker.max_ttl = max_ttl;
  broker.max_lifetime = max_lifetime;
  broker.operator_cap = static_cast<int>(operator_cap);
  broker.quarantine = quarantine;
  broker.frp_heartbeat_timeout = frp_heartbeat_timeout;
  broker.start_timeout = start_timeout;
  broker.free_ports_cache = free_ports_cache;
  broker.stop_timeout = stop_timeout;
  broker.auto_stop_grace = auto_stop_grace;
  broker.ssh_user = ssh_user;
  broker.services.clear();
  for (const auto& [flag, name, addr] : {std::tuple{"ssh_local", "ssh", ssh_local},
                                         std::tuple{"web_local", "web", web_local},
                                         std::tuple{"camera_local", "camera", camera_local}}) {
    absl::StatusOr<ServiceSpec> spec = Local(flag, name, addr);
    if (!spec.ok()) return spec.status();
    broker.services.push_back(*spec);
  }
  if (absl::Status st = broker.Validate(); !st.ok()) {
    // BrokerOptions names its option, which is also the flag's name.
    return absl::InvalidArgumentError(absl::StrCat("--", st.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv) {
  auto cfg = std::make_shared<Config>();
  config::FlagSet flags("tunnel");
  cfg->Register(flags);
  flags.ParseOrExit(argc, argv);
  if (absl::Status st = cfg->Finish(); !st.ok()) return st;
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace fleet::tunnel
