#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace fleet::status {

// HTTP status for a canonical code per AIP-193 / google.rpc.Code (OK 200, INVALID_ARGUMENT 400,
// FAILED_PRECONDITION 400, OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
// NOT_FOUND 404, ALREADY_EXISTS 409, ABORTED 409, RESOURCE_EXHAUSTED 429, CANCELLED 499,
// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL/UNKNOWN/DATA_LOSS 500).
int HttpStatusCode(absl::StatusCode code);

// Generic message that replaces the text of INTERNAL, UNKNOWN and DATA_LOSS errors in HTTP bodies.
inline constexpr std::string_view kInternalErrorMessage = "Internal error.";

// AIP-193 JSON body:
// {"error":{"code":404,"message":"...","status":"NOT_FOUND","details":[{"@type":
//  "type.googleapis.com/google.rpc.ErrorInfo","reason":"...","domain":"fleetd.io","metadata":{...}}]}}
// The reason defaults per ReasonOrDefault. For INTERNAL/UNKNOWN/DATA_LOSS the message is replaced by
// kInternalErrorMessage and the original is logged at error level. Non-empty request_id / trace_id
// are added to metadata. Thread-safe.
std::string ToHttpJson(const absl::Status& status, std::string_view request_id = "",
                       std::string_view trace_id = "");

}  // namespace fleet::status
