#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace fleet::ids {

// Device ids are chosen by operators: 1-128 characters from [A-Za-z0-9._:-], starting with a
// letter or digit. They appear in Kafka topic names (edge.{id}.down), so nothing else is allowed.
// Returns INVALID_ARGUMENT (reason INVALID_FIELD, metadata field=`field`) explaining the problem.
absl::Status ValidateDeviceId(std::string_view id, std::string_view field = "device_id");

// Cheap boolean form for hot paths.
bool IsValidDeviceId(std::string_view id);

}  // namespace fleet::ids
