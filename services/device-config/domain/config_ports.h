#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/device-config/domain/config.h"

// The store versioned configuration needs; storage/ implements it. Every method is thread-safe,
// returns UNAVAILABLE when the backend cannot be reached, and uses the errors of
// config_errors.h (and DeviceNotFound from errors.h). Inputs are validated by the caller.
namespace fleet::devcfg {

class ConfigStore {
 public:
  virtual ~ConfigStore() = default;

  // Atomically: when `expected_version` is set and differs from the current desired version
  // (0 = none yet), fails with ConfigVersionMismatch; otherwise stores `v` as version
  // current + 1 (v.version is ignored), makes it the desired version, and deletes versions older
  // than the newest `keep` (>= 1) except the reported one. Returns the stored version.
  // DeviceNotFound when the backend knows the device does not exist.
  virtual absl::StatusOr<ConfigVersion> Append(const ConfigVersion& v, std::optional<int64_t> expected_version,
                                               int keep) = 0;

  // nullopt when no version was ever set for the device.
  virtual absl::StatusOr<std::optional<ConfigState>> GetState(std::string_view device_id) = 0;
  // The states of those of `device_ids` that have one, in any order (one read for many devices).
  virtual absl::StatusOr<std::vector<ConfigState>> GetStates(absl::Span<const std::string> device_ids) = 0;

  virtual absl::StatusOr<std::optional<ConfigVersion>> GetVersion(std::string_view device_id, int64_t version) = 0;

  struct VersionPage {
    std::vector<ConfigVersion> items;  // newest first
    bool more = false;
  };
  // Stored versions < `before` (0 = no bound), newest first, at most `limit`.
  virtual absl::StatusOr<VersionPage> ListVersions(std::string_view device_id, int64_t before, int limit) = 0;

  // Atomically sets the reported version/status/hash/time unless `version` is below the current
  // reported version (then nothing changes: reported never moves backwards); clears the failed
  // fields when `version` >= failed_version. Returns the state
  // after. ConfigVersionNotFound when no desired version exists or `version` is above it.
  virtual absl::StatusOr<ConfigState> Report(std::string_view device_id, int64_t version, std::string_view status,
                                             std::string_view hash, absl::Time now) = 0;

  // Records that the device failed to apply `version`: sets failed version/reason/time unless
  // `version` is already reported as applied or is below the recorded failed version (nothing
  // changes then). A successful Report of failed_version or newer clears them. Returns the state
  // after. ConfigVersionNotFound when no desired version exists or `version` is above it.
  virtual absl::StatusOr<ConfigState> ReportFailed(std::string_view device_id, int64_t version,
                                                   std::string_view reason, absl::Time now) = 0;

  // Creates or replaces template t.name with a fresh revision and update_time = now. With
  // `expected_revision`, only if the current revision is that (0 = must not exist yet), else
  // TemplateRevisionMismatch.
  virtual absl::StatusOr<ConfigTemplate> PutTemplate(const ConfigTemplate& t,
                                                     std::optional<int64_t> expected_revision, absl::Time now) = 0;
  virtual absl::StatusOr<std::optional<ConfigTemplate>> GetTemplate(std::string_view name) = 0;
  // TemplateNotFound, TemplateRevisionMismatch.
  virtual absl::Status DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) = 0;
  // Every template, by name (bytewise).
  virtual absl::StatusOr<std::vector<ConfigTemplate>> ListTemplates() = 0;
};

}  // namespace fleet::devcfg
