#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/flags.h"

namespace fleet::online {

// Every setting of device-online, loaded once at start (flags, or FLEET_* environment
// variables), validated, then shared read-only.
struct Config {
  std::string grpc_address = "127.0.0.1:7001";
  std::string admin_address = "127.0.0.1";
  int64_t admin_port = 9101;
  std::string redis_addr = "127.0.0.1:6379";
  std::string redis_prefix = "fleet:presence";
  int64_t redis_pool = 8;
  std::string pg_url;
  std::string kafka_bootstrap;
  std::string uplink_topic = "edge.up";
  std::string presence_topic = "fleet.presence";
  std::string consumer_group = "device-online";
  absl::Duration kafka_session_timeout = absl::Seconds(10);
  int64_t consumer_threads = 2;
  int64_t batch = 50000;
  absl::Duration accumulate = absl::Milliseconds(200);
  std::string replica_id;  // default: hostname-pid
  absl::Duration heartbeat_interval = absl::Seconds(30);
  absl::Duration offline_after = absl::ZeroDuration();  // 0 = 3 x heartbeat_interval
  absl::Duration max_message_age = absl::Minutes(10);
  absl::Duration max_future_skew = absl::Minutes(2);
  absl::Duration sweep_interval = absl::Seconds(1);
  absl::Duration relay_interval = absl::Milliseconds(200);
  absl::Duration relay_reclaim_idle = absl::Seconds(15);
  std::string otlp_endpoint;
  // Live commands (DeviceCommands): requests go to the device's downlink topic; answers come back
  // on this replica's own topic "<reply_topic_prefix><replica_id>".
  std::string downlink_template = "edge.{device_id}.down";
  std::string reply_topic_prefix = "fleet.replies.device-online.";
  absl::Duration command_timeout = absl::Seconds(10);

  void Register(config::FlagSet& flags);
  // Fills defaults that derive from other settings and checks every value; INVALID_ARGUMENT
  // naming the flag otherwise.
  absl::Status Finish();
};

absl::StatusOr<std::shared_ptr<const Config>> LoadConfig(int argc, char** argv);

}  // namespace fleet::online
