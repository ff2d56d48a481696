#pragma once

#include <string_view>

#include "absl/status/status.h"

// The registry's domain errors (reasons from fleet.config.v1.DeviceConfigErrorReason). Every
// DeviceRepo implementation returns exactly these, so callers see the same errors whatever the
// backend.
namespace fleet::devcfg {

// NOT_FOUND, DEVICE_NOT_FOUND, metadata device_id.
absl::Status DeviceNotFound(std::string_view id);
// ALREADY_EXISTS, DEVICE_ALREADY_EXISTS, metadata device_id.
absl::Status DeviceAlreadyExists(std::string_view id);
// ABORTED, DEVICE_ETAG_MISMATCH, metadata device_id and the current etag.
absl::Status EtagMismatch(std::string_view id, int64_t current_revision);

}  // namespace fleet::devcfg
