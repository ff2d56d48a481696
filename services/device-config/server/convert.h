#pragma once

#include "absl/status/statusor.h"
#include "fleet/config/v1/device_registry.pb.h"
#include "services/device-config/domain/device.h"

// proto <-> domain for the DeviceRegistry API. Pure, thread-safe.
namespace fleet::devcfg {

// Fills every field, including name "devices/{id}" and the etag.
void ToProto(const Device& in, config::v1::Device* out);

// The client-settable fields of `in`. The id comes from `id` or `name` ("devices/{id}"); when
// both are set they must agree. `field` prefixes error fields ("device"). Errors:
// INVALID_ARGUMENT / INVALID_FIELD.
absl::StatusOr<Device> FromProto(const config::v1::Device& in, std::string_view field = "device");

}  // namespace fleet::devcfg
