#include "services/device-config/domain/config_merge.h"

#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/device-config/domain/validation.h"

namespace fleet::devcfg {
namespace {

constexpr char kGroups[] = "groups/";
constexpr char kLabels[] = "labels/";
constexpr size_t kGroupsLen = sizeof(kGroups) - 1;
constexpr size_t kLabelsLen = sizeof(kLabels) - 1;

absl::Status BadName(std::string_view field, std::string_view name, std::string_view why) {
  return status::InvalidField(field, absl::StrCat("template name \"", Printable(name), "\" ", std::string(why),
                                                  "; use \"global\", \"groups/{group}\" or "
                                                  "\"labels/{key}={value}\""));
}

}  // namespace

absl::StatusOr<TemplateScope> ParseTemplateName(std::string_view name, std::string_view field) {
  TemplateScope s;
  if (name == "global") return s;
  if (name.substr(0, kGroupsLen) == kGroups) {
    s.kind = TemplateKind::kGroup;
    s.key = std::string(name.substr(kGroupsLen));
    Device probe;
    probe.id = "probe";
    probe.group = s.key;
    if (s.key.empty() || !CheckDevice(probe).empty()) return BadName(field, name, "has an invalid group");
    return s;
  }
  if (name.substr(0, kLabelsLen) == kLabels) {
    std::string_view rest = name.substr(kLabelsLen);
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return BadName(field, name, "has no '=' between label key and value");
    s.kind = TemplateKind::kLabel;
    s.key = std::string(rest.substr(0, eq));
    s.value = std::string(rest.substr(eq + 1));
    if (!CheckLabels({{s.key, s.value}}).empty()) return BadName(field, name, "has an invalid label");
    return s;
  }
  return BadName(field, name, "is not recognized");
}

std::string TemplateName(const TemplateScope& s) {
  switch (s.kind) {
    case TemplateKind::kGlobal:
      return "global";
    case TemplateKind::kGroup:
      return absl::StrCat(kGroups, s.key);
    case TemplateKind::kLabel:
      return absl::StrCat(kLabels, s.key, "=", s.value);
  }
  return "";
}

bool Applies(const TemplateScope& s, const Device& d) {
  switch (s.kind) {
    case TemplateKind::kGlobal:
      return true;
    case TemplateKind::kGroup:
      return !d.group.empty() && d.group == s.key;
    case TemplateKind::kLabel: {
      auto it = d.labels.find(s.key);
      return it != d.labels.end() && it->second == s.value;
    }
  }
  return false;
}

bool LowerPrecedence(const TemplateScope& a, const TemplateScope& b) {
  return std::tie(a.kind, a.key, a.value) < std::tie(b.kind, b.key, b.value);
}

void MergeInto(rapidjson::Value& target, const rapidjson::Value& overlay,
               rapidjson::Document::AllocatorType& allocator) {
  for (const auto& m : overlay.GetObject()) {
    auto it = target.FindMember(m.name);
    if (m.value.IsNull()) {
      if (it != target.MemberEnd()) target.EraseMember(it);
      continue;
    }
    if (m.value.IsObject()) {
      if (it == target.MemberEnd() || !it->value.IsObject()) {
        // Merge onto an empty object so nulls inside the overlay are dropped too.
        rapidjson::Value fresh(rapidjson::kObjectType);
        MergeInto(fresh, m.value, allocator);
        if (it == target.MemberEnd()) {
          target.AddMember(rapidjson::Value(m.name, allocator), fresh, allocator);
        } else {
          it->value = fresh;
        }
      } else {
        MergeInto(it->value, m.value, allocator);
      }
      continue;
    }
    rapidjson::Value copy(m.value, allocator);
    if (it == target.MemberEnd()) {
      target.AddMember(rapidjson::Value(m.name, allocator), copy, allocator);
    } else {
      it->value = copy;
    }
  }
}

rapidjson::Document MergeLayers(const std::vector<const rapidjson::Value*>& layers) {
  rapidjson::Document out(rapidjson::kObjectType);
  for (const rapidjson::Value* layer : layers) {
    if (layer != nullptr && layer->IsObject()) MergeInto(out, *layer, out.GetAllocator());
  }
  return out;
}

}  // namespace fleet::devcfg
