#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "services/device-online/domain/presence.h"

namespace fleet::online {

// Decodes one uplink Kafka message (JSON envelope, or protobuf when content_type says so) into
// the domain's Uplink. Any envelope kind counts as a sign of life; heartbeat events also carry
// board parameters in their body:
//   {"cpu": 12.5, "mem": 40.2, "temperature": 51.3, "firmware": "1.4.2", "signal": -71}
// (all optional; a present field of the wrong type is an error). INVALID_ARGUMENT with the reason
// for anything malformed, including a sender that is not "edge/<valid device id>".
absl::StatusOr<Uplink> DecodeUplink(std::string_view payload, std::string_view content_type);

// The heartbeat body alone (exposed for tests and the simulator's own checks).
absl::StatusOr<BoardParams> ParseBoardParams(std::string_view body_json);

}  // namespace fleet::online
