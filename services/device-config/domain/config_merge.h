#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"
#include "services/device-config/domain/device.h"

// Deterministic layering of configuration. Pure functions, thread-safe.
//
// Precedence, lowest first: the "global" template < the device's group template ("groups/{g}")
// < its label templates ("labels/{key}={value}", one per label key the device has, ordered by
// key, bytewise) < the device's own desired body (the override).
// Merge rule of an upper layer onto a lower one: objects merge member by member, recursively;
// arrays, strings, numbers and booleans replace whatever was below; a `null` member deletes
// that member from the result (a null never survives into an effective config, except inside
// arrays, which are opaque values).
namespace fleet::devcfg {

enum class TemplateKind { kGlobal = 0, kGroup = 1, kLabel = 2 };

// A parsed template name.
struct TemplateScope {
  TemplateKind kind = TemplateKind::kGlobal;
  std::string key;    // group name, or label key
  std::string value;  // label value
  bool operator==(const TemplateScope&) const = default;
};

// "global", "groups/{group}" or "labels/{key}={value}" (key and value follow the registry's
// label rules, group its group rules). INVALID_ARGUMENT / INVALID_FIELD (field = `field`).
absl::StatusOr<TemplateScope> ParseTemplateName(std::string_view name, std::string_view field = "template");
std::string TemplateName(const TemplateScope& scope);

// True when the template applies to `device`.
bool Applies(const TemplateScope& scope, const Device& device);

// Layer order of two applicable scopes (global < group < labels by key).
bool LowerPrecedence(const TemplateScope& a, const TemplateScope& b);

// Merges `overlay` (an object) onto `target` (an object) by the rules above; `overlay` is
// copied into `target`'s allocator.
void MergeInto(rapidjson::Value& target, const rapidjson::Value& overlay,
               rapidjson::Document::AllocatorType& allocator);

// The merge of `layers` (objects, lowest precedence first) onto an empty object.
rapidjson::Document MergeLayers(const std::vector<const rapidjson::Value*>& layers);

}  // namespace fleet::devcfg
