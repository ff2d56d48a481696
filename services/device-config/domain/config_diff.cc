#include "services/device-config/domain/config_diff.h"

#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "services/device-config/domain/config_json.h"

namespace fleet::devcfg {
namespace {

using Members = std::map<std::string_view, const rapidjson::Value*>;

Members Sorted(const rapidjson::Value& v) {
  Members out;
  for (const auto& m : v.GetObject()) out.emplace(std::string_view(m.name.GetString(), m.name.GetStringLength()), &m.value);
  return out;
}

void Diff(const rapidjson::Value& a, const rapidjson::Value& b, const std::string& path,
          std::vector<DiffEntry>& out) {
  if (a.IsObject() && b.IsObject()) {
    Members ma = Sorted(a), mb = Sorted(b);
    auto ia = ma.begin(), ib = mb.begin();
    while (ia != ma.end() || ib != mb.end()) {
      if (ib == mb.end() || (ia != ma.end() && ia->first < ib->first)) {
        out.push_back({DiffEntry::Op::kRemoved, absl::StrCat(path, "/", PointerToken(ia->first)),
                       CanonicalJson(*ia->second), ""});
        ++ia;
      } else if (ia == ma.end() || ib->first < ia->first) {
        out.push_back({DiffEntry::Op::kAdded, absl::StrCat(path, "/", PointerToken(ib->first)), "",
                       CanonicalJson(*ib->second)});
        ++ib;
      } else {
        Diff(*ia->second, *ib->second, absl::StrCat(path, "/", PointerToken(ia->first)), out);
        ++ia;
        ++ib;
      }
    }
    return;
  }
  std::string ca = CanonicalJson(a), cb = CanonicalJson(b);
  if (ca != cb) out.push_back({DiffEntry::Op::kChanged, path, std::move(ca), std::move(cb)});
}

}  // namespace

const char* OpName(DiffEntry::Op op) {
  switch (op) {
    case DiffEntry::Op::kAdded:
      return "added";
    case DiffEntry::Op::kRemoved:
      return "removed";
    case DiffEntry::Op::kChanged:
      return "changed";
  }
  return "";
}

std::vector<DiffEntry> DiffJson(const rapidjson::Value& from, const rapidjson::Value& to) {
  std::vector<DiffEntry> out;
  Diff(from, to, "", out);
  return out;
}

}  // namespace fleet::devcfg
