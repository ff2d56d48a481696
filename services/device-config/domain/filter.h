#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/device-config/domain/device.h"

// An AIP-160 subset for ListDevices filters: parser -> AST, in-memory evaluation, canonical form.
// storage/ compiles the same AST to SQL. Pure, thread-safe.
//
// Grammar (OR binds tighter than AND, as AIP-160 specifies; AND/OR/NOT are upper case):
//   filter     := [expr] EOF
//   expr       := sequence { "AND" sequence }
//   sequence   := factor { "OR" factor }
//   factor     := "NOT" factor | "(" expr ")" | comparison
//   comparison := field ("=" | "!=") value
//               | field ":" "*"                   (field not empty / label present)
//               | "labels" ":" key                (label present)
//   field      := id | display_name | model | hardware_revision | group | labels.<key>
//   value      := "quoted string" (escapes \" and \\) | bare word of [A-Za-z0-9._/-]
namespace fleet::devcfg::filter {

inline constexpr size_t kMaxFilterLength = 4096;
inline constexpr int kMaxDepth = 32;  // nesting of parentheses and NOT
inline constexpr int kMaxComparisons = 64;

enum class FieldKind { kId, kDisplayName, kModel, kHardwareRevision, kGroup, kLabel };

struct Field {
  FieldKind kind = FieldKind::kId;
  std::string label_key;  // kLabel only
  bool operator==(const Field&) const = default;
};

struct Expr {
  enum class Kind {
    kAnd,        // children.size() >= 2
    kOr,         // children.size() >= 2
    kNot,        // children.size() == 1
    kEquals,     // field == value (a missing label never equals)
    kNotEquals,  // exactly NOT kEquals (a missing label is "not equal")
    kPresent,    // label present / plain field not empty
  };
  Kind kind = Kind::kEquals;
  std::vector<Expr> children;
  Field field;
  std::string value;
  bool operator==(const Expr&) const = default;
};

// Parses `text`. nullopt for an empty (or all-blank) filter. Errors: INVALID_ARGUMENT, reason
// INVALID_FILTER, metadata "field"="filter" and "position" (0-based byte offset of the problem),
// with a message saying what was expected.
absl::StatusOr<std::optional<Expr>> Parse(std::string_view text);

// Whether `device` satisfies `expr`.
bool Matches(const Expr& expr, const Device& device);

// A canonical rendering: equal for filters that differ only in spacing, quoting or redundant
// parentheses, and parseable again to the same AST.
std::string ToString(const Expr& expr);

// The name of a plain field ("model", ...) or "labels.<key>".
std::string FieldName(const Field& field);

}  // namespace fleet::devcfg::filter
