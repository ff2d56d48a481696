#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

// JSON handling of versioned configuration: parsing with limits, canonical form, hashing.
// Paths are JSON Pointers (RFC 6901, "" = the root, "/kafka/brokers/0"). Pure functions,
// thread-safe.
namespace fleet::devcfg {

struct JsonLimits {
  size_t max_bytes = 64 * 1024;  // of the input text
  int max_depth = 16;            // the root object is depth 1
};

// Parses `text` as a configuration body: a JSON object, at most limits.max_bytes, nested at most
// limits.max_depth, with no duplicate member names, valid UTF-8. Errors: INVALID_ARGUMENT,
// reason CONFIG_INVALID, metadata "field" = `field` and "path" = JSON Pointer of the offending
// value ("" for the whole document), "offset" for syntax errors.
absl::StatusOr<rapidjson::Document> ParseConfigJson(std::string_view text, const JsonLimits& limits,
                                                    std::string_view field = "body");

// Canonical JSON: members sorted by name (bytewise), no whitespace, RapidJSON's number format.
// Equal documents (ignoring member order) give equal bytes.
std::string CanonicalJson(const rapidjson::Value& value);

// Lowercase hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);

// One JSON Pointer reference token, escaped (~ -> ~0, / -> ~1).
std::string PointerToken(std::string_view name);

// The CONFIG_INVALID status (INVALID_ARGUMENT) with metadata field and path.
absl::Status ConfigInvalid(std::string_view field, std::string_view path, std::string_view message);

}  // namespace fleet::devcfg
