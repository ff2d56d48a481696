#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

// Schema-lite: per hardware model, the members an effective configuration must have and their
// JSON types. Pure, thread-safe once built.
namespace fleet::devcfg {

enum class JsonType { kObject, kArray, kString, kNumber, kInteger, kBoolean };

struct RequiredMember {
  std::string path;  // JSON Pointer, e.g. "/kafka/cluster"
  JsonType type = JsonType::kString;
  bool operator==(const RequiredMember&) const = default;
};

struct ModelSchema {
  std::vector<RequiredMember> required;  // checked in this order
};

// model -> schema. Models without an entry are unconstrained.
using ModelSchemas = std::map<std::string, ModelSchema, std::less<>>;

// Parses {"<model>": {"<json pointer>": "object|array|string|number|integer|boolean", ...}, ...}
// (e.g. from a config file). INVALID_ARGUMENT naming the bad model or path.
absl::StatusOr<ModelSchemas> ParseModelSchemas(std::string_view json);

// OK, or CONFIG_INVALID (INVALID_ARGUMENT) with metadata field = `field` and path = the first
// required member that is missing or has another type.
absl::Status CheckSchema(const ModelSchema& schema, const rapidjson::Value& config, std::string_view field);

}  // namespace fleet::devcfg
