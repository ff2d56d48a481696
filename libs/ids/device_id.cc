#include "libs/ids/device_id.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::ids {
namespace {

constexpr size_t kMaxLength = 128;

bool IsAllowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool IsValidDeviceId(std::string_view id) {
  if (id.empty() || id.size() > kMaxLength || !IsAlnum(id.front())) return false;
  for (char c : id) {
    if (!IsAllowed(c)) return false;
  }
  return true;
}

absl::Status ValidateDeviceId(std::string_view id, std::string_view field) {
  if (id.empty()) return status::InvalidField(field, absl::StrCat(std::string(field), " is required"));
  if (id.size() > kMaxLength) {
    return status::InvalidField(
        field, absl::StrCat(std::string(field), " is ", id.size(), " characters long; the maximum is ", kMaxLength));
  }
  if (!IsAlnum(id.front())) {
    return status::InvalidField(field, absl::StrCat(std::string(field), " must start with a letter or digit"));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsAllowed(id[i])) {
      return status::InvalidField(
          field, absl::StrCat(std::string(field), " has a character outside [A-Za-z0-9._:-] at position ", i));
    }
  }
  return absl::OkStatus();
}

}  // namespace fleet::ids
