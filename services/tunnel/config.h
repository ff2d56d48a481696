#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/flags.h"
#include "services/tunnel/domain/broker.h"

namespace fleet::tunnel {

// Resolves a token reference to the secret: "env:NAME" (environment variable) or "file:PATH"
// (file contents, surrounding whitespace trimmed). INVALID_ARGUMENT for other forms,
// NOT_FOUND when the variable or file is missing or empty.
using SecretResolver = std::function<absl::StatusOr<std::string>(const std::string& ref)>;
absl::StatusOr<std::string> ResolveSecret(const std::string& ref);

// Parses the frp server pool: one server per line or ';'-separated, blank lines and '#'
// comments ignored, each "key=value" separated by spaces:
//   name=frp1 public_address=frp1.example.com bind_port=7000 token_ref=env:FRP1_TOKEN
//   ports=40000-40999 weight=2 mode=enabled|draining|disabled
// name, public_address, token_ref and ports are required; bind_port defaults to 7000, weight
// to 1, mode to enabled. Tokens are resolved with `resolve` (not for disabled servers), then the
// pool is validated (ValidatePool). INVALID_ARGUMENT naming the server and key otherwise.
absl::StatusOr<std::vector<FrpServer>> ParsePool(std::string_view text, const SecretResolver& resolve);

// Every setting of the tunnel service, loaded once at start (flags or FLEET_* environment
// variables), validated, then shared read-only.
struct Config {
  std::string grpc_address = "127.0.0.1:7003";
  std::string admin_address = "127.0.0.1";
  int64_t admin_port = 9103;
  std::string pg_url;
  std::string otlp_endpoint;  // OTLP/HTTP traces endpoint; empty = no export
  int64_t pg_pool = 8;
  std::string frp_servers;       // the pool inline ...
  std::string frp_servers_file;  // ... or in a file (exactly one of both)
  absl::Duration default_ttl = absl::Minutes(30);
  absl::Duration max_ttl = absl::Hours(4);
  absl::Duration max_lifetime = absl::Hours(12);
  int64_t operator_cap = 5;
  absl::Duration quarantine = absl::Minutes(3);
  absl::Duration frp_heartbeat_timeout = absl::Seconds(90);
  absl::Duration start_timeout = absl::Seconds(60);
  absl::Duration free_ports_cache = absl::Seconds(1);
  absl::Duration stop_timeout = absl::Seconds(30);
  absl::Duration auto_stop_grace = absl::Minutes(2);
  std::string ssh_user = "root";
  std::string ssh_local = "127.0.0.1:22";
  std::string web_local = "127.0.0.1:80";
  std::string camera_local = "192.168.1.64:80";
  // Kafka (empty bootstrap = no device channel: sessions stay REQUESTED and FAIL at start_timeout).
  std::string kafka_bootstrap;
  std::string uplink_topic = "edge.up";
  std::string downlink_template = "edge.{device_id}.down";
  std::string kafka_group = "tunnel";
  // fleet.presence (group `<kafka_group>-presence`): a device coming online with a stale frpc
  // gets a stop. Empty = off.
  std::string presence_topic = "fleet.presence";
  std::string kafka_sender = "tunnel";
  absl::Duration uplink_max_age = absl::Minutes(10);
  // frps server-plugin endpoint (POST /frps/<server>/handler); -1 = off, 0 = any free port.
  std::string plugin_address = "127.0.0.1";
  int64_t plugin_port = -1;
  absl::Duration sweep_interval = absl::Seconds(1);
  int64_t sweep_batch = 200;

  // Filled by Finish().
  BrokerOptions broker;
  std::vector<FrpServer> servers;

  void Register(config::FlagSet& flags);
  // Checks every value, loads and validates the pool, builds `broker`; INVALID_ARGUMENT naming
  // the flag otherwise.
  absl::Status Finish(const SecretResolver& resolve = ResolveSecret);
};

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv);

}  // namespace fleet::tunnel
