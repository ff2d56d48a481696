#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/flags.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {

// Every setting of the task service, loaded once at start (flags or FLEET_* environment
// variables), validated, then shared read-only. Components get their slice (rollout, manager).
struct Config {
  std::string grpc_address = "127.0.0.1:7004";
  std::string admin_address = "127.0.0.1";
  int64_t admin_port = 9104;
  std::string pg_url;
  int64_t pg_pool = 8;
  std::string otlp_endpoint;  // OTLP/HTTP traces endpoint; empty = no export
  // Other services (gRPC targets).
  std::string device_config = "127.0.0.1:7002";
  std::string device_online = "127.0.0.1:7001";
  // Kafka (required: without it nothing reaches devices).
  std::string kafka_bootstrap;
  std::string uplink_topic = "edge.up";
  std::string downlink_template = "edge.{device_id}.down";
  std::string kafka_group = "task";
  std::string kafka_sender = "task";
  absl::Duration uplink_max_age = absl::Minutes(10);
  // How soon a crashed replica's uplink partitions move to the others.
  absl::Duration kafka_session_timeout = absl::Seconds(10);
  // Uplink consumers in this process (same group; each applies its partitions' reports).
  int64_t consumer_threads = 2;
  // Rollout worker.
  absl::Duration tick_interval = absl::Milliseconds(500);
  int64_t sweep_batch = 2000;
  int64_t max_candidates = 5000;
  absl::Duration offline_recheck = absl::Seconds(15);
  absl::Duration target_refresh = absl::Minutes(1);
  int64_t presence_parallel = 8;
  // Limits.
  int64_t max_targets = 100'000;

  // Filled by Finish().
  RolloutOptions rollout;
  TaskManagerOptions manager;

  void Register(config::FlagSet& flags);
  // Checks every value and builds the slices; INVALID_ARGUMENT naming the flag otherwise.
  absl::Status Finish();
};

// Registers, parses (exits on --help or a parse error) and finishes.
absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv);

}  // namespace fleet::task
