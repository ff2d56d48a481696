#pragma once

#include <string>

#include "absl/types/span.h"

namespace fleet::pg {

// A PostgreSQL array literal of text values, for a `$n::text[]` parameter: {"a","b\"c"}. Every
// element is quoted, so empty strings, commas, braces and NULL-like words stay plain text.
inline std::string TextArray(absl::Span<const std::string> values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace fleet::pg
