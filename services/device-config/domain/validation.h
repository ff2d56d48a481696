#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/device-config/domain/device.h"

// Input rules for device fields. Pure functions, thread-safe.
namespace fleet::devcfg {

inline constexpr size_t kMaxDisplayNameBytes = 256;
inline constexpr size_t kMaxModelLength = 64;  // also hardware_revision and group
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelKeyLength = 63;
inline constexpr size_t kMaxLabelValueLength = 128;

// One problem with one field ("labels.site", "display_name", ...).
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

// Every problem of a device's client-settable fields (id, display_name, model,
// hardware_revision, labels, group), in field order. Empty = valid.
std::vector<FieldError> CheckDevice(const Device& device);

// The first problem as INVALID_ARGUMENT / INVALID_FIELD with metadata field, or OK.
absl::Status ValidateDevice(const Device& device);

// True for a syntactically valid label key (the filter parser uses it for labels.<key>).
bool IsValidLabelKey(std::string_view key);

// Problems of a label set (count cap, key and value rules), fields named "labels.<key>".
std::vector<FieldError> CheckLabels(const std::map<std::string, std::string>& labels);

// `s` made safe to echo in an error: bytes outside printable ASCII become '?', and text beyond
// `max_len` bytes is cut and marked with "...". Errors travel in gRPC trailers, which are small
// and must be valid UTF-8.
std::string Printable(std::string_view s, size_t max_len = 64);

// FieldError -> INVALID_ARGUMENT / INVALID_FIELD with metadata field.
absl::Status ToStatus(const FieldError& error);

}  // namespace fleet::devcfg
