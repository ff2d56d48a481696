#include "services/device-config/domain/page_token.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

constexpr char kVersion[] = "d1";

// FNV-1a 64: stable across processes and replicas (absl::Hash is seeded per process).
std::string FilterDigest(std::string_view filter) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : filter) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

absl::Status BadToken(std::string_view why) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                           absl::StrCat("page_token is invalid: ", std::string(why)),
                           {{"field", "page_token"}});
}

}  // namespace

std::string EncodePageToken(std::string_view canonical_filter, std::string_view after_id) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, "|", FilterDigest(canonical_filter), "|", std::string(after_id)));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token, std::string_view canonical_filter) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) {
    return BadToken("not a token issued by ListDevices");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 2));
  if (parts.size() != 3 || parts[0] != kVersion) return BadToken("not a token issued by ListDevices");
  if (parts[1] != FilterDigest(canonical_filter)) {
    return BadToken("it was issued for another filter; start again without a page_token");
  }
  if (!ids::IsValidDeviceId(parts[2])) return BadToken("bad position");
  return parts[2];
}

}  // namespace fleet::devcfg
