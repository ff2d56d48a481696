#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bff/call_context.h"
#include "google/protobuf/message.h"
#include "libs/http/server.h"

namespace fleet::bff {

// Internal header naming the operator on whose behalf a write (tunnel, config, template) is made.
// The Api deletes whatever a client sent under this name and sets it to the authenticated
// caller (user name, "apiKey:<id>" or "local-admin") before any handler runs.
inline constexpr char kOperatorHeader[] = "x-fleet-operator";

// Shared helpers of the BFF's handlers. All are pure / thread-safe.

http::Response Json(int code, std::string body);

// 200 with the proto3 JSON mapping of `m` (lowerCamelCase, defaults printed).
http::Response ProtoJson(const google::protobuf::Message& m);

// `m` as proto3 JSON text (lowerCamelCase, defaults printed); "{}" should printing fail.
std::string ToJsonText(const google::protobuf::Message& m);

// A status as an AIP-193 response carrying the request's ids (x-request-id and traceparent
// headers, which Api::Handle sets on every request before routing), plus a Retry-After header
// when the status carries metadata retry_after_seconds.
http::Response Error(const absl::Status& st, const http::Request& r);

// Parses the request body as the proto3 JSON form of `out` (unknown fields rejected). An empty
// body leaves `out` unchanged when allow_empty, else fails. Errors: INVALID_ARGUMENT /
// INVALID_FIELD, metadata field "body", with the parser's explanation.
absl::Status ParseJsonBody(const http::Request& r, google::protobuf::Message& out, bool allow_empty);

// The page_size query parameter (0 when absent); INVALID_FIELD "page_size" when not an integer.
absl::StatusOr<int> PageSize(const http::Request& r);

// A boolean query parameter: absent = false, "true"/"1" = true, "false"/"0" = false,
// anything else INVALID_FIELD `name`.
absl::StatusOr<bool> BoolParam(const http::Request& r, const std::string& name);

// All values of a repeated query parameter (`names=a&names=b`, each also split on ','), read from
// the raw target because http::Request::query keeps only the last one.
std::vector<std::string> RepeatedParam(const http::Request& r, const std::string& name);

// The etag of an If-Match header without quotes or a W/ prefix; "" when absent or "*".
std::string IfMatchEtag(const http::Request& r);

// The operator from kOperatorHeader: UNAUTHENTICATED (401) when missing, INVALID_FIELD when not
// 1-128 characters of [A-Za-z0-9._@+:-].
absl::StatusOr<std::string> OperatorOf(const http::Request& r);

// The context for service calls of this request: its request id, now + timeout.
CallContext ContextFor(const http::Request& r, absl::Duration timeout);

}  // namespace fleet::bff
