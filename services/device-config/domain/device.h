#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

// The device registry's entities. Plain values, no gRPC / SQL types.
namespace fleet::devcfg {

// A registered device (edge gateway).
struct Device {
  std::string id;  // operator-chosen, immutable (libs/ids rules)
  std::string display_name;
  std::string model;
  std::string hardware_revision;
  std::map<std::string, std::string> labels;
  std::string group;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  // Changes on every write; globally unique across deletes and re-creates (never reused), so an
  // etag read from a deleted device never matches its successor. 0 = not stored yet.
  int64_t revision = 0;

  bool operator==(const Device&) const = default;
};

// "devices/{id}".
std::string DeviceName(std::string_view id);

// Accepts "devices/{id}" or a bare id and returns the id after validating it (INVALID_ARGUMENT,
// INVALID_FIELD with metadata field=`field`).
absl::StatusOr<std::string> ParseDeviceName(std::string_view name, std::string_view field = "name");

// The devices of a batch read: each id once, in the order first named, and the name it was first
// given as (pointing into the caller's `names`, for answers that list names as given).
struct BatchDeviceIds {
  std::vector<std::string> ids;
  std::vector<const std::string*> given;  // parallel to ids
};
// ParseDeviceName for each of `names` (the request's `field`), duplicates dropped. INVALID_ARGUMENT
// with metadata field=`field` for more than `max` names or a bad one.
absl::StatusOr<BatchDeviceIds> ParseBatchDeviceNames(absl::Span<const std::string> names, std::string_view field,
                                                     size_t max);

// The opaque etag of a revision, and its inverse (nullopt-like 0 for anything malformed, which
// then never matches a stored revision).
std::string EtagOf(int64_t revision);
int64_t RevisionOfEtag(std::string_view etag);

}  // namespace fleet::devcfg
