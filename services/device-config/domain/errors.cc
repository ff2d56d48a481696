#include "services/device-config/domain/errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/device-config/domain/device.h"

namespace fleet::devcfg {

absl::Status DeviceNotFound(std::string_view id) {
  return status::MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND",
                           absl::StrCat("device \"", std::string(id), "\" does not exist"),
                           {{"device_id", std::string(id)}});
}

absl::Status DeviceAlreadyExists(std::string_view id) {
  return status::MakeError(absl::StatusCode::kAlreadyExists, "DEVICE_ALREADY_EXISTS",
                           absl::StrCat("device \"", std::string(id), "\" already exists"),
                           {{"device_id", std::string(id)}});
}

absl::Status EtagMismatch(std::string_view id, int64_t current_revision) {
  return status::MakeError(absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH",
                           absl::StrCat("device \"", std::string(id),
                                        "\" was changed since the given etag was read; re-read it and retry"),
                           {{"device_id", std::string(id)}, {"etag", EtagOf(current_revision)}});
}

}  // namespace fleet::devcfg
