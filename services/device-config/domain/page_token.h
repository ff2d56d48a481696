#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// ListDevices page tokens: the position (last id returned) bound to the canonical filter it was
// issued for. Opaque to clients, not secret (it only holds a device id). Pure, thread-safe.
namespace fleet::devcfg {

std::string EncodePageToken(std::string_view canonical_filter, std::string_view after_id);

// The id to continue after. INVALID_ARGUMENT / INVALID_PAGE_TOKEN (metadata field=page_token)
// when the token is malformed or was issued for another filter.
absl::StatusOr<std::string> DecodePageToken(std::string_view token, std::string_view canonical_filter);

}  // namespace fleet::devcfg
