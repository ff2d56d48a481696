#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

// Versioned configuration entities. Plain values, no gRPC / SQL types. Bodies are canonical JSON
// text (config_json.h), so equal configurations have equal bytes and hashes.
namespace fleet::devcfg {

// One version of a device's desired configuration (its override layer, see config_merge.h).
struct ConfigVersion {
  std::string device_id;
  int64_t version = 0;  // 1, 2, 3, ... per device; never reused
  std::string body;     // canonical JSON object
  std::string author;
  std::string comment;
  absl::Time create_time = absl::InfinitePast();
  bool operator==(const ConfigVersion&) const = default;
};

// The configuration state of one device.
struct ConfigState {
  ConfigVersion desired;  // desired.version == 0: no version set yet (body "{}")
  // What the device last acknowledged (set by the edge); 0 = nothing reported yet.
  int64_t reported_version = 0;
  std::string reported_status;  // e.g. "applied", "failed: ..." (free text from the device)
  std::string reported_hash;    // effective-config hash the device applied, when it sent one
  absl::Time reported_time = absl::InfinitePast();
  // The newest version the device said it could not apply (0 = none since its last success),
  // with the device's reason. Cleared when the device applies that version or a newer one.
  int64_t failed_version = 0;
  std::string failed_reason;
  absl::Time failed_time = absl::InfinitePast();
  bool operator==(const ConfigState&) const = default;
};

// A group / label / global template layer.
struct ConfigTemplate {
  std::string name;  // "global", "groups/{group}", "labels/{key}={value}"
  std::string body;  // canonical JSON object; may hold nulls (they delete lower-layer members)
  std::string author;
  int64_t revision = 0;  // changes on every write, never reused (optimistic concurrency)
  absl::Time update_time = absl::InfinitePast();
  bool operator==(const ConfigTemplate&) const = default;
};

}  // namespace fleet::devcfg
