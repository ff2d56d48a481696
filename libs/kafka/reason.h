#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace fleet::kafka {

// The one place that attaches a machine-readable reason (UPPER_SNAKE_CASE,
// e.g. "MESSAGE_STALE", "DEVICE_TIMEOUT") to an error from this library.
// Until libs/status (fleet::status::MakeError) exists, the reason is the first
// word of the message: "MESSAGE_STALE: <message>". Switching to libs/status
// only changes these two functions.
absl::Status ReasonError(absl::StatusCode code, std::string_view reason, std::string_view message);

// The reason attached by ReasonError, or "" when the status has none.
std::string_view ErrorReason(const absl::Status& status);

}  // namespace fleet::kafka
