#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/trace/context.h"

namespace fleet::trace {

// Parses a W3C traceparent header ("00-<32 hex>-<16 hex>-<2 hex>"). Strict: lowercase hex only,
// version "ff" and all-zero ids rejected, version 00 must be exactly 55 characters. Higher versions
// are parsed per the spec: the first 55 characters with the 00 layout, followed by nothing or by
// '-' and more data. Errors: INVALID_ARGUMENT with the reason.
absl::StatusOr<TraceContext> ParseTraceparent(std::string_view header);

// "00-<trace id>-<span id>-<flags>" (always version 00).
std::string FormatTraceparent(const TraceContext& context);

// A new trace (random trace and span ids, sampled). Thread-safe.
TraceContext NewRoot();
// Same trace and flags as `parent`, new random span id. NewRoot() if parent is invalid.
TraceContext NewChild(const TraceContext& parent);

}  // namespace fleet::trace
