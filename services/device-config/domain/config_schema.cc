#include "services/device-config/domain/config_schema.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/pointer.h"
#include "services/device-config/domain/config_json.h"

namespace fleet::devcfg {
namespace {

struct TypeName {
  JsonType type;
  const char* name;
};
constexpr TypeName kTypes[] = {{JsonType::kObject, "object"}, {JsonType::kArray, "array"},
                               {JsonType::kString, "string"}, {JsonType::kNumber, "number"},
                               {JsonType::kInteger, "integer"}, {JsonType::kBoolean, "boolean"}};

const char* NameOf(JsonType t) {
  for (const auto& tn : kTypes) {
    if (tn.type == t) return tn.name;
  }
  return "?";
}

bool HasType(const rapidjson::Value& v, JsonType t) {
  switch (t) {
    case JsonType::kObject:
      return v.IsObject();
    case JsonType::kArray:
      return v.IsArray();
    case JsonType::kString:
      return v.IsString();
    case JsonType::kNumber:
      return v.IsNumber();
    case JsonType::kInteger:
      return v.IsInt64() || v.IsUint64();
    case JsonType::kBoolean:
      return v.IsBool();
  }
  return false;
}

}  // namespace

absl::StatusOr<ModelSchemas> ParseModelSchemas(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("model schemas must be a JSON object of model -> {pointer: type}");
  }
  ModelSchemas out;
  for (const auto& model : doc.GetObject()) {
    std::string name(model.name.GetString(), model.name.GetStringLength());
    if (!model.value.IsObject()) return absl::InvalidArgumentError(absl::StrCat("schema of model ", name, " is not an object"));
    ModelSchema schema;
    for (const auto& m : model.value.GetObject()) {
      std::string path(m.name.GetString(), m.name.GetStringLength());
      if (path.empty() || path[0] != '/' || !rapidjson::Pointer(path.data(), path.size()).IsValid()) {
        return absl::InvalidArgumentError(absl::StrCat("model ", name, ": \"", path, "\" is not a JSON Pointer"));
      }
      bool found = false;
      for (const auto& tn : kTypes) {
        if (m.value.IsString() && std::string_view(m.value.GetString()) == tn.name) {
          schema.required.push_back({path, tn.type});
          found = true;
        }
      }
      if (!found) return absl::InvalidArgumentError(absl::StrCat("model ", name, ", ", path, ": unknown type"));
    }
    out.emplace(std::move(name), std::move(schema));
  }
  return out;
}

absl::Status CheckSchema(const ModelSchema& schema, const rapidjson::Value& config, std::string_view field) {
  for (const RequiredMember& r : schema.required) {
    const rapidjson::Value* v = rapidjson::Pointer(r.path.data(), r.path.size()).Get(config);
    if (v == nullptr) return ConfigInvalid(field, r.path, absl::StrCat("required ", NameOf(r.type), " is missing"));
    if (!HasType(*v, r.type)) return ConfigInvalid(field, r.path, absl::StrCat("must be of type ", NameOf(r.type)));
  }
  return absl::OkStatus();
}

}  // namespace fleet::devcfg
