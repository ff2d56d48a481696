#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/device-config/domain/config.h"
#include "services/device-config/domain/config_diff.h"
#include "services/device-config/domain/config_json.h"
#include "services/device-config/domain/config_merge.h"
#include "services/device-config/domain/config_ports.h"
#include "services/device-config/domain/config_schema.h"
#include "services/device-config/domain/ports.h"

namespace fleet::devcfg {

// Settings of versioned configuration; immutable after start.
struct ConfigOptions {
  JsonLimits limits;           // for device bodies, template bodies and effective configs
  int retention = 100;         // versions kept per device (>= 1), besides the reported one
  ModelSchemas schemas;        // checked against the effective config on SetDesired / Rollback
  size_t max_author_bytes = 256;
  size_t max_comment_bytes = 1024;
  size_t max_status_bytes = 1024;
};

struct SetDesiredRequest {
  std::string device;  // "devices/{id}" or an id
  std::string body;    // JSON object text
  // Set: write only if the current desired version is this (0 = none yet), else ABORTED /
  // CONFIG_VERSION_MISMATCH. Unset: append unconditionally.
  std::optional<int64_t> expected_version;
  std::string author;  // required
  std::string comment;
};

// Where a device's configuration stands: no desired version yet; in sync; a push pending (or the
// device offline); or the device reported it could not apply the desired version.
enum class SyncState { kNoConfig, kInSync, kPending, kFailed };

// What a device should run and what it reported.
struct DeviceConfigView {
  ConfigState state;
  std::string effective;       // canonical JSON of all layers merged (config_merge.h)
  std::string effective_hash;  // Sha256Hex(effective): what a push carries
  std::vector<std::string> templates;  // names of the layers applied, lowest first
  // reported_version == desired version and the reported hash (if any) is effective_hash.
  bool in_sync = false;
  SyncState sync_state = SyncState::kNoConfig;
};

// Told about every new desired version (SetDesired, Rollback) after it was stored, so that it can
// be pushed to the device. Must be thread-safe and must not block.
class DesiredVersionListener {
 public:
  virtual ~DesiredVersionListener() = default;
  virtual void OnNewDesiredVersion(const std::string& device_id, int64_t version) = 0;
  // Template `name` was created, replaced or deleted (the effective config of the devices it
  // applies to may have changed without a new version).
  virtual void OnTemplateChanged(const std::string& name) { (void)name; }
};

// The versioned-configuration use cases. Thread-safe (state lives in the stores). Errors:
// INVALID_ARGUMENT (INVALID_FIELD with metadata field; CONFIG_INVALID with field and path),
// DEVICE_NOT_FOUND, CONFIG_VERSION_NOT_FOUND, TEMPLATE_NOT_FOUND, ABORTED
// (CONFIG_VERSION_MISMATCH, TEMPLATE_REVISION_MISMATCH), and the stores' UNAVAILABLE.
class ConfigService {
 public:
  static constexpr int kMaxPageSize = 1000;

  ConfigService(DeviceRepo& devices, ConfigStore& store, Clock& clock, std::shared_ptr<const ConfigOptions> options)
      : devices_(devices), store_(store), clock_(clock), options_(std::move(options)) {}

  // Optional (null = none), not owned; set before the service is used concurrently.
  void SetListener(DesiredVersionListener* listener) { listener_ = listener; }

  // Validates the body (object, size, depth, no duplicate names), then the effective config it
  // yields with the current templates (size, depth, the device model's schema), and appends it
  // as the next version. Returns the new version.
  absl::StatusOr<ConfigVersion> SetDesired(const SetDesiredRequest& request);

  // A new version whose body is version `to_version`'s (checked as SetDesired checks). Comment
  // defaults to "rollback to version N".
  absl::StatusOr<ConfigVersion> Rollback(std::string_view device, int64_t to_version,
                                         std::optional<int64_t> expected_version, std::string_view author,
                                         std::string_view comment);

  // Desired, reported and effective configuration (a device without versions has desired
  // version 0 and body "{}"; templates still apply).
  absl::StatusOr<DeviceConfigView> Get(std::string_view device);

  // Get for up to kMaxBatchGet devices ("devices/{id}" or ids; duplicates answered once) in one
  // read of each store: the views of those that exist, in request order, and the names (as
  // given) of those that do not. INVALID_ARGUMENT for too many devices or a bad name.
  static constexpr size_t kMaxBatchGet = 1000;
  struct Batch {
    std::vector<DeviceConfigView> views;
    std::vector<std::string> missing;
  };
  absl::StatusOr<Batch> BatchGet(absl::Span<const std::string> devices);

  absl::StatusOr<ConfigVersion> GetVersion(std::string_view device, int64_t version);

  // Versions below `before` (0 = from the newest), newest first, page_size in 1..kMaxPageSize
  // (0 = 100).
  absl::StatusOr<ConfigStore::VersionPage> ListVersions(std::string_view device, int64_t before, int page_size);

  // Structural diff of the device bodies of two stored versions (config_diff.h).
  absl::StatusOr<std::vector<DiffEntry>> Diff(std::string_view device, int64_t from_version, int64_t to_version);

  // Records the device's acknowledgement of `version` (from the edge). Reported never moves
  // backwards: an older version than the one reported is ignored and the state is returned
  // unchanged. CONFIG_VERSION_NOT_FOUND when `version` was never desired (above the desired one).
  absl::StatusOr<ConfigState> ReportApplied(std::string_view device, int64_t version, std::string_view status,
                                            std::string_view hash = "");

  // Records that the device could not apply `version` (reason: the device's text, truncated and
  // sanitized). The desired version then shows as SyncState::kFailed until the device applies it
  // or a newer one. CONFIG_VERSION_NOT_FOUND when `version` was never desired.
  absl::StatusOr<ConfigState> ReportFailed(std::string_view device, int64_t version, std::string_view reason);

  // The version to push when the device comes back online: its desired version when that is not
  // in sync (pending or failed), else 0. An unregistered device gives 0. Stores' errors as is.
  absl::StatusOr<int64_t> VersionToPushOnReconnect(std::string_view device);

  // Creates or replaces a template (name: config_merge.h). Refused with CONFIG_INVALID (metadata
  // device) when it would make the effective configuration of any device with a desired version
  // exceed the limits or fail its model's schema (checked against the current device bodies; a
  // concurrent SetDesired is still checked by SetDesired itself). `expected_revision`: 0 = must not
  // exist, else must be the current revision (ABORTED / TEMPLATE_REVISION_MISMATCH).
  absl::StatusOr<ConfigTemplate> PutTemplate(std::string_view name, std::string_view body,
                                             std::optional<int64_t> expected_revision, std::string_view author);
  absl::StatusOr<ConfigTemplate> GetTemplate(std::string_view name);
  absl::Status DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision);
  absl::StatusOr<std::vector<ConfigTemplate>> ListTemplates();

  // Calls `fn(device_id, desired_version)` for every device template `name` applies to that has
  // a desired version (> 0), in id order, reading the registry page by page. INVALID_ARGUMENT
  // for a bad name; the stores' errors (the walk stops there).
  absl::Status ForEachDeviceOfTemplate(std::string_view name,
                                       const std::function<void(const std::string&, int64_t)>& fn);

 private:
  struct Effective {
    std::string json;
    std::vector<std::string> templates;
  };
  // Merges the templates applying to `device` with `body` (canonical) and checks the result.
  absl::StatusOr<Effective> EffectiveFor(const Device& device, const std::string& body);
  static DeviceConfigView ViewOf(const Device& device, std::optional<ConfigState> state,
                                 const std::vector<ConfigTemplate>& templates);
  static Effective EffectiveWith(const std::vector<ConfigTemplate>& templates, const Device& device,
                                 const std::string& body);
  // Limits and the model's schema on an effective config.
  absl::Status CheckEffective(const Device& device, const std::string& effective_json);
  // Calls fn for every device `scope` applies to that has a desired version; stops at an error.
  absl::Status ForEachConfiguredDevice(const TemplateScope& scope,
                                       const std::function<absl::Status(const Device&, const ConfigState&)>& fn);
  absl::Status CheckTemplateAgainstDevices(const TemplateScope& scope, const ConfigTemplate& t);
  absl::StatusOr<Device> LoadDevice(std::string_view device);
  absl::StatusOr<ConfigVersion> AppendChecked(const Device& device, std::string body,
                                              std::optional<int64_t> expected_version, std::string_view author,
                                              std::string_view comment);

  DeviceRepo& devices_;
  ConfigStore& store_;
  Clock& clock_;
  const std::shared_ptr<const ConfigOptions> options_;
  DesiredVersionListener* listener_ = nullptr;
};

}  // namespace fleet::devcfg
