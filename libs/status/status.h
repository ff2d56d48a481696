#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace fleet::status {

// google.rpc.ErrorInfo.domain of every fleetd error.
inline constexpr std::string_view kDomain = "fleetd.io";
// absl::Status payload key under which the serialized google.rpc.ErrorInfo is stored.
inline constexpr std::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";

// Returns an error status with `code` and `message` that carries `reason` (UPPER_SNAKE_CASE, a value
// name of a proto reason enum) and `metadata` as a serialized google.rpc.ErrorInfo payload (domain
// kDomain). `code` must not be kOk (an OK status cannot carry payloads; OkStatus() is returned).
absl::Status MakeError(absl::StatusCode code, std::string_view reason, std::string_view message,
                       const std::map<std::string, std::string>& metadata = {});

// INVALID_ARGUMENT, reason INVALID_FIELD, metadata {"field": field}.
absl::Status InvalidField(std::string_view field, std::string_view message);

// The reason stored by MakeError, or "" if the status carries none.
std::string Reason(const absl::Status& status);

// The reason if present, else a default per code: INVALID_ARGUMENT -> INVALID_FIELD,
// UNAVAILABLE -> BACKEND_UNAVAILABLE, DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED -> RATE_LIMITED, INTERNAL/UNKNOWN/DATA_LOSS -> INTERNAL_ERROR, any other code ->
// its canonical name (e.g. "NOT_FOUND"). "" for OK.
std::string ReasonOrDefault(const absl::Status& status);

// The metadata stored by MakeError (empty if none).
std::map<std::string, std::string> Metadata(const absl::Status& status);

// True for errors a caller should retry after a pause: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED.
bool IsRetryable(const absl::Status& status);

// Returns a copy of `status` whose metadata additionally holds `key`=`value` (the reason is kept, or
// set to ReasonOrDefault). OK statuses are returned unchanged.
absl::Status WithMetadata(const absl::Status& status, std::string_view key, std::string_view value);

}  // namespace fleet::status
