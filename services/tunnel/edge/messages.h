#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "libs/kafka/envelope.h"
#include "services/tunnel/domain/ports.h"

// The tunnel.start / tunnel.stop edge messages. Pure functions, thread-safe.
//
// tunnel.start body: {"session_id", "server_addr", "server_port", "token", "session_token",
//   "proxies": [{"name", "type": "tcp", "local_ip", "local_port", "remote_port"}],
//   "auto_stop_service_in": seconds}
// tunnel.stop body: {"session_id", "reason"}
// tunnel.extend body: {"session_id", "auto_stop_service_in": seconds from now} (the device moves
//   frpc's own stop time; answers are not needed: an unknown session is answered 404 and ignored)
// Request ids are "tunnel.start:<session id>" and "tunnel.stop:<session id>", so any replica can
// match a response (id = request id) to its session without remembering what it sent.
namespace fleet::tunnel {

inline constexpr std::string_view kStartType = "tunnel.start";
inline constexpr std::string_view kStopType = "tunnel.stop";
inline constexpr std::string_view kExtendType = "tunnel.extend";

std::string StartRequestId(std::string_view session_id);
std::string StopRequestId(std::string_view session_id);

// The requests, with timestamp `now`, `sender` and `reply_to` (empty = the device answers on
// the shared uplink topic).
kafka::Envelope EncodeStart(const StartRequest& request, absl::Time now, std::string_view sender,
                            std::string_view reply_to);
kafka::Envelope EncodeStop(std::string_view session_id, std::string_view reason, absl::Time now,
                           std::string_view sender, std::string_view reply_to);
// Id "tunnel.extend:<session id>:<unix seconds of now>" (ParseAnswer ignores its answers).
kafka::Envelope EncodeExtend(std::string_view session_id, absl::Duration auto_stop_in, absl::Time now,
                             std::string_view sender, std::string_view reply_to);

// A device's answer to one of our requests.
struct DeviceAnswer {
  enum class Kind { kStarted, kStartFailed, kStopped, kStopFailed };
  Kind kind = Kind::kStarted;
  std::string session_id;
  std::string device_id;  // from the sender, "" if it is not "edge/<device>"
  std::string why;        // for failures: the device's description or body "error"
};

// The answer carried by a response envelope, or std::nullopt when the envelope is not a
// response to a tunnel request (other services' responses, events, requests).
std::optional<DeviceAnswer> ParseAnswer(const kafka::Envelope& e);

}  // namespace fleet::tunnel
