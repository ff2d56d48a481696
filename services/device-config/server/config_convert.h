#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fleet/config/v1/device_config.pb.h"
#include "services/device-config/domain/config.h"
#include "services/device-config/domain/config_diff.h"
#include "services/device-config/domain/config_service.h"

// proto <-> domain for the DeviceConfigService API. Pure, thread-safe.
namespace fleet::devcfg {

void ToProto(const ConfigVersion& in, config::v1::ConfigVersion* out);
void ToProto(const DeviceConfigView& in, config::v1::DeviceConfig* out);
void ToProto(const ConfigTemplate& in, config::v1::ConfigTemplate* out);
void ToProto(const DiffEntry& in, config::v1::ConfigDiffEntry* out);

// "configTemplates/{name}" or a bare template name -> the bare name (checked later).
std::string TemplateNameFromResource(std::string_view name);

// ListConfigVersions page tokens: the version to continue below. Opaque to clients.
std::string EncodeVersionPageToken(int64_t before);
// 0 for "". INVALID_ARGUMENT / INVALID_PAGE_TOKEN (metadata field=page_token) when malformed.
absl::StatusOr<int64_t> DecodeVersionPageToken(std::string_view token);

}  // namespace fleet::devcfg
