#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace fleet::bff {

// JSON helpers of the config routes, whose bodies carry configuration documents that the service
// takes and returns as JSON text (body_json). Numbers are copied verbatim (never through a
// double), so large integers stay exact. All functions are pure and thread-safe.

// One top-level member of a request body: its value as JSON text and its kind.
struct JsonMember {
  enum Kind { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = kNull;
  std::string json;
};
using JsonMembers = std::map<std::string, JsonMember>;

// The members of a request body that must be a JSON object with only `known` members (each at
// most once). Errors: INVALID_FIELD "body" (empty, not JSON, not an object) or the member name
// (unknown or duplicate member).
absl::StatusOr<JsonMembers> ParseObjectBody(const std::string& body, std::initializer_list<const char*> known);

// Member `name` as an int64 (a JSON integer or a string of one); nullopt when absent or null.
// INVALID_FIELD `name` otherwise.
absl::StatusOr<std::optional<int64_t>> Int64Member(const JsonMembers& m, const std::string& name);

// Member `name` as a string; "" when absent or null; INVALID_FIELD `name` when not a string.
absl::StatusOr<std::string> StringMember(const JsonMembers& m, const std::string& name);

// Member `name` as the JSON text of an object; INVALID_FIELD `name` when absent or not an object.
absl::StatusOr<std::string> ObjectMember(const JsonMembers& m, const std::string& name);

// `m` as proto3 JSON where each string member named like a key of `raw_json_fields` (proto3 JSON
// name, e.g. "bodyJson") holds JSON text and is emitted as that JSON value under the mapped name
// (e.g. "config"). Such members holding "" are left out; ones not holding valid JSON are kept as
// strings under their own name. "{}" should printing fail.
std::string RenderWithRawJson(const google::protobuf::Message& m,
                              const std::map<std::string, std::string>& raw_json_fields);

// True when `text` is exactly one JSON value.
bool IsJson(const std::string& text);

}  // namespace fleet::bff
