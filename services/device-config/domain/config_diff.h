#pragma once

#include <string>
#include <vector>

#include "rapidjson/document.h"

// Structural diff of two configuration bodies. Pure, thread-safe.
namespace fleet::devcfg {

struct DiffEntry {
  enum class Op { kAdded, kRemoved, kChanged };
  Op op = Op::kChanged;
  std::string path;       // JSON Pointer
  std::string old_value;  // canonical JSON; "" when added
  std::string new_value;  // canonical JSON; "" when removed
  bool operator==(const DiffEntry&) const = default;
};

const char* OpName(DiffEntry::Op op);  // "added", "removed", "changed"

// Differences from `from` to `to`. Objects are compared member by member, recursively; any
// other value (arrays included: they are opaque, as in merging) is compared whole and reported
// as one "changed" entry at its path. Entries are in depth-first order with members visited by
// name (bytewise), so the result is deterministic; identical inputs give an empty result.
std::vector<DiffEntry> DiffJson(const rapidjson::Value& from, const rapidjson::Value& to);

}  // namespace fleet::devcfg
