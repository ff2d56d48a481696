#include "services/device-config/domain/device.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::devcfg {

std::string DeviceName(std::string_view id) { return absl::StrCat("devices/", std::string(id)); }

absl::StatusOr<std::string> ParseDeviceName(std::string_view name, std::string_view field) {
  absl::string_view id(name.data(), name.size());
  absl::ConsumePrefix(&id, "devices/");
  if (absl::Status st = ids::ValidateDeviceId(std::string_view(id.data(), id.size()), field); !st.ok()) {
    return st;
  }
  return std::string(id);
}

absl::StatusOr<BatchDeviceIds> ParseBatchDeviceNames(absl::Span<const std::string> names, std::string_view field,
                                                     size_t max) {
  if (names.size() > max) {
    const absl::string_view noun(field.data(), field.size());
    return status::InvalidField(field, absl::StrCat("at most ", max, " ", noun, " per call, got ", names.size()));
  }
  BatchDeviceIds out;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& name : names) {
    absl::StatusOr<std::string> id = ParseDeviceName(name, field);
    if (!id.ok()) return id.status();
    if (seen.insert(*id).second) {
      out.ids.push_back(std::move(*id));
      out.given.push_back(&name);
    }
  }
  return out;
}

// Quoted like HTTP entity tags so the value is visibly opaque.
std::string EtagOf(int64_t revision) { return absl::StrCat("\"r", revision, "\""); }

int64_t RevisionOfEtag(std::string_view etag) {
  absl::string_view s(etag.data(), etag.size());
  absl::ConsumePrefix(&s, "W/");
  if (!absl::ConsumePrefix(&s, "\"r") || !absl::ConsumeSuffix(&s, "\"")) return 0;
  int64_t r = 0;
  if (!absl::SimpleAtoi(s, &r) || r <= 0) return 0;
  return r;
}

}  // namespace fleet::devcfg
