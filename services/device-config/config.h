#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/flags.h"
#include "services/device-config/domain/config_service.h"

namespace fleet::devcfg {

// Every setting of device-config (registry part), loaded once at start (flags, or FLEET_*
// environment variables), validated, then shared read-only.
struct Config {
  std::string grpc_address = "127.0.0.1:7002";
  std::string admin_address = "127.0.0.1";
  int64_t admin_port = 9102;
  std::string pg_url;
  int64_t pg_pool = 8;
  absl::Duration pg_acquire_timeout = absl::Seconds(5);
  int64_t import_chunk = 5000;  // rows per INSERT inside one import transaction
  std::string otlp_endpoint;
  int64_t config_retention = 100;     // versions kept per device
  std::string model_schemas_file;     // {"model": {"/json/pointer": "type"}}; empty = none
  // Pushes (config.apply over Kafka). Empty bootstrap = no push and no answer consumer.
  std::string kafka_bootstrap;
  std::string uplink_topic = "edge.up";
  std::string downlink_template = "edge.{device_id}.down";
  std::string kafka_group = "device-config";
  // fleet.presence transitions (consumer group `<kafka_group>-presence`): an online transition
  // re-pushes the desired version when it is not in sync. Empty = no reconnect pushes.
  std::string presence_topic = "fleet.presence";
  // device-online gRPC target: pushes to devices it reports as not online are parked until they
  // come back. Empty = push without asking.
  std::string device_online;
  double push_rate = 100;           // pushes started per second
  int64_t push_max_in_flight = 1000;  // unanswered pushes
  absl::Duration push_answer_timeout = absl::Seconds(30);
  ConfigOptions config;               // derived in Finish()

  void Register(config::FlagSet& flags);
  // Checks every value; INVALID_ARGUMENT naming the flag otherwise.
  absl::Status Finish();
};

// Parses argv and the environment (exits 0 on --help, 2 on unknown flags) and validates.
absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv);

}  // namespace fleet::devcfg
