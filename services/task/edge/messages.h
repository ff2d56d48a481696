#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/kafka/envelope.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/ports.h"

// The task service's edge messages. Pure functions, thread-safe.
//
// Downlink requests (envelope id = the request id "task-<execution>-<attempt>"; a re-sent
// request has the same id and the device drops the duplicate):
//   firmware.upgrade {"campaign_id", "kind": "FIRMWARE"|"MCU", "version", "url", "sha256",
//                     "size"}
//   command.run      {"campaign_id", "command", "args": {...}}
// Uplink:
//   response to either (id = request id): overall_status_code; for command.run the body may
//     carry {"exit_code", "output"};
//   event firmware.progress {"request_id", "state": DOWNLOADING|VERIFYING|INSTALLING|REBOOTING|
//     SUCCEEDED|FAILED, "percent", "message", "version"};
//   event task.log {"request_id", "line"};
//   event heartbeat {"firmware": "<running version>", ...} (board parameters).
namespace fleet::task {

inline constexpr std::string_view kUpgradeType = "firmware.upgrade";
inline constexpr std::string_view kCommandType = "command.run";
inline constexpr std::string_view kProgressType = "firmware.progress";
inline constexpr std::string_view kLogType = "task.log";

// The request envelope. INVALID_ARGUMENT when command args are not a JSON object.
absl::StatusOr<kafka::Envelope> EncodeRequest(const DeviceRequest& r, absl::Time now,
                                              std::string_view sender, std::string_view reply_to);

// What a device sent that concerns the task service.
struct Uplink {
  enum class Kind { kResponse, kProgress, kLog, kHeartbeat };
  Kind kind = Kind::kResponse;
  std::string device_id;
  std::string request_id;
  int code = 0;            // response
  std::string detail;      // response: description (+ command output); log: the line
  Progress progress;       // progress (attempt filled from the request id later)
  std::string firmware;    // heartbeat
};

// std::nullopt for envelopes that are not for us (other services' responses and events,
// heartbeats without a firmware version, senders that are not "edge/<device>").
std::optional<Uplink> ParseUplink(const kafka::Envelope& e);

}  // namespace fleet::task
