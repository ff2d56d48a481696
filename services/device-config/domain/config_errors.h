#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

// Errors of versioned configuration (reasons from fleet.config.v1.ConfigErrorReason). Every
// ConfigStore returns exactly these, whatever the backend. CONFIG_INVALID is in config_json.h.
namespace fleet::devcfg {

// ABORTED, CONFIG_VERSION_MISMATCH, metadata device_id and current_version (re-read and retry).
absl::Status ConfigVersionMismatch(std::string_view device_id, int64_t current_version);
// NOT_FOUND, CONFIG_VERSION_NOT_FOUND, metadata device_id and version (never set, or pruned).
absl::Status ConfigVersionNotFound(std::string_view device_id, int64_t version);
// NOT_FOUND, TEMPLATE_NOT_FOUND, metadata template.
absl::Status TemplateNotFound(std::string_view name);
// ABORTED, TEMPLATE_REVISION_MISMATCH, metadata template and current_revision ("0" = absent).
absl::Status TemplateRevisionMismatch(std::string_view name, int64_t current_revision);

}  // namespace fleet::devcfg
