#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/device-config/domain/device.h"
#include "services/device-config/domain/import_parser.h"
#include "services/device-config/domain/ports.h"

namespace fleet::devcfg {

struct ListDevicesRequest {
  int page_size = 0;  // 0 = kDefaultPageSize
  std::string page_token;
  std::string filter;    // filter.h syntax
  std::string order_by;  // "" or "id"
};

struct ListDevicesResponse {
  std::vector<Device> devices;
  std::string next_page_token;  // "" on the last page
};

struct BatchGetDevicesResponse {
  std::vector<Device> devices;       // found, in request order, each once
  std::vector<std::string> missing;  // names as given, each once
};

struct ImportResult {
  int created = 0;  // 0 with validate_only
  int rows = 0;
};

// The registry use cases: validation, resource names, field masks, etags, paging, import.
// Thread-safe (state lives in the repo). Errors: INVALID_ARGUMENT (INVALID_FIELD with metadata
// "field", INVALID_FILTER with "position", INVALID_PAGE_TOKEN, IMPORT_FORMAT_INVALID,
// IMPORT_ROWS_INVALID), the repo's DEVICE_NOT_FOUND / DEVICE_ALREADY_EXISTS /
// DEVICE_ETAG_MISMATCH, and the repo's UNAVAILABLE.
class Registry {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;
  static constexpr size_t kMaxBatchGet = 1000;
  static constexpr size_t kMaxReportedRowErrors = 100;
  // Bytes of the "row_errors" JSON: errors travel in gRPC trailers, which clients cap at 8 KiB.
  static constexpr size_t kMaxReportBytes = 3000;
  // Read-modify-write attempts of an Update without etag before ABORTED is returned.
  static constexpr int kUpdateAttempts = 3;

  Registry(DeviceRepo& repo, Clock& clock) : repo_(repo), clock_(clock) {}

  // Validates and stores `device` (its output-only fields are ignored).
  absl::StatusOr<Device> Create(const Device& device);

  // `name` is "devices/{id}" or a bare id.
  absl::StatusOr<Device> Get(std::string_view name);

  // Applies `update_mask` paths (display_name, model, hardware_revision, labels, group,
  // labels.<key>; empty or "*" = all) from `patch` to device patch.id. With `etag`, the write
  // happens only if the device still has that etag (else DEVICE_ETAG_MISMATCH); without it, a
  // concurrent change is retried up to kUpdateAttempts times (no update is lost).
  absl::StatusOr<Device> Update(const Device& patch, absl::Span<const std::string> update_mask,
                                std::string_view etag);

  // With a non-empty `etag`, deletes only if unchanged.
  absl::Status Delete(std::string_view name, std::string_view etag);

  absl::StatusOr<ListDevicesResponse> List(const ListDevicesRequest& request);

  // At most kMaxBatchGet names.
  absl::StatusOr<BatchGetDevicesResponse> BatchGet(absl::Span<const std::string> names);

  // All or nothing: any undecodable or invalid row, duplicate id within the data, or id that
  // already exists fails the whole call with IMPORT_ROWS_INVALID (metadata "invalid_rows",
  // "row_errors" = JSON array of {"row","field","message"} sorted by row, at most
  // kMaxReportedRowErrors entries and kMaxReportBytes bytes, "truncated" = "true" when cut) and
  // nothing is written.
  absl::StatusOr<ImportResult> Import(ImportFormat format, std::string_view data, bool validate_only);

 private:
  absl::Time Now();

  DeviceRepo& repo_;
  Clock& clock_;
};

// The IMPORT_ROWS_INVALID status for `errors` (any order) out of `rows` rows.
absl::Status ImportRowsInvalid(std::vector<RowError> errors, size_t rows);

}  // namespace fleet::devcfg
