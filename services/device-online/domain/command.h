#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "services/device-online/domain/query.h"

namespace fleet::online {

// A synchronous command for one device.
struct CommandRequest {
  std::string device_id;
  std::string type;       // dotted lowercase, e.g. "camera.rotate"
  std::string body_json;  // JSON object
  absl::Duration timeout = absl::ZeroDuration();  // zero = CommandOptions::default_timeout
  std::string traceparent;  // W3C, forwarded to the device when set
  // The caller's own deadline (e.g. gRPC's): the wait never goes past it.
  absl::Time not_after = absl::InfiniteFuture();
};

// The device's answer.
struct CommandResult {
  std::string request_id;
  int status_code = 0;  // the device's overall_status_code
  std::string status;
  std::string description;
  std::string body_json;
  absl::Time answer_time = absl::InfinitePast();  // device time
  absl::Duration latency = absl::ZeroDuration();
};

// How a command reaches a device and its answer comes back (Kafka request/reply in edge/).
// Thread-safe. Errors: DEADLINE_EXCEEDED with reason DEVICE_TIMEOUT when no answer came before
// `deadline`; UNAVAILABLE when it could not be sent.
class CommandChannel {
 public:
  virtual ~CommandChannel() = default;
  virtual absl::StatusOr<CommandResult> Call(const CommandRequest& request, absl::Time deadline) = 0;
};

struct CommandOptions {
  absl::Duration default_timeout = absl::Seconds(10);
  absl::Duration max_timeout = absl::Seconds(60);
  size_t max_body_bytes = 64 * 1024;
};

// Relays commands to ONLINE devices only. Thread-safe. Errors: INVALID_ARGUMENT (INVALID_FIELD
// with metadata field) for a bad device id, type, body or timeout; NOT_FOUND / PRESENCE_NOT_FOUND
// for a device never seen; UNAVAILABLE / DEVICE_OFFLINE for an offline device (nothing is sent);
// the channel's DEADLINE_EXCEEDED / DEVICE_TIMEOUT and UNAVAILABLE; the store's errors.
class CommandRelay {
 public:
  CommandRelay(PresenceQuery& presence, CommandChannel& channel, Clock& clock, CommandOptions options = {})
      : presence_(presence), channel_(channel), clock_(clock), options_(options) {}

  absl::StatusOr<CommandResult> Send(CommandRequest request);

 private:
  PresenceQuery& presence_;
  CommandChannel& channel_;
  Clock& clock_;
  const CommandOptions options_;
};

// Checks a command type: 2..8 dot-separated parts of [a-z][A-Za-z0-9_]{0,31} (e.g.
// "camera.startStream").
absl::Status ValidateCommandType(std::string_view type);

}  // namespace fleet::online
