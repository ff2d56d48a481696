#include "services/device-config/domain/config_errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::devcfg {

absl::Status ConfigVersionMismatch(std::string_view device_id, int64_t current_version) {
  return status::MakeError(
      absl::StatusCode::kAborted, "CONFIG_VERSION_MISMATCH",
      absl::StrCat("the desired configuration of device \"", std::string(device_id), "\" is at version ",
                   current_version, ", not the expected one; re-read it and retry"),
      {{"device_id", std::string(device_id)}, {"current_version", std::to_string(current_version)}});
}

absl::Status ConfigVersionNotFound(std::string_view device_id, int64_t version) {
  return status::MakeError(absl::StatusCode::kNotFound, "CONFIG_VERSION_NOT_FOUND",
                           absl::StrCat("device \"", std::string(device_id), "\" has no configuration version ",
                                        version, " (never set, or removed by retention)"),
                           {{"device_id", std::string(device_id)}, {"version", std::to_string(version)}});
}

absl::Status TemplateNotFound(std::string_view name) {
  return status::MakeError(absl::StatusCode::kNotFound, "TEMPLATE_NOT_FOUND",
                           absl::StrCat("template \"", std::string(name), "\" does not exist"),
                           {{"template", std::string(name)}});
}

absl::Status TemplateRevisionMismatch(std::string_view name, int64_t current_revision) {
  return status::MakeError(absl::StatusCode::kAborted, "TEMPLATE_REVISION_MISMATCH",
                           absl::StrCat("template \"", std::string(name),
                                        "\" changed since the given revision was read; re-read it and retry"),
                           {{"template", std::string(name)}, {"current_revision", std::to_string(current_revision)}});
}

}  // namespace fleet::devcfg
