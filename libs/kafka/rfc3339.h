#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace fleet::kafka {

// Fast RFC 3339 timestamps for the envelope hot path (absl::ParseTime is
// general but several times slower). Thread-safe, allocation-free parsing.

// Parses "YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM)". Fractions
// beyond nanoseconds are truncated. Returns false on any syntax or range error.
bool ParseRfc3339(std::string_view text, absl::Time* out);

// Formats as UTC "YYYY-MM-DDTHH:MM:SS[.mmm|.uuuuuu|.nnnnnnnnn]Z" (the shortest
// of the three fraction widths that is exact). Clamped to years 0000-9999.
std::string FormatRfc3339(absl::Time t);

}  // namespace fleet::kafka
