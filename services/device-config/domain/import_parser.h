#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/device-config/domain/device.h"

// Decodes ImportDevices data (CSV or JSON lines) into devices, one per row, without validating
// the devices themselves (the Registry does that). Pure, thread-safe.
namespace fleet::devcfg {

inline constexpr size_t kMaxImportRows = 100'000;

enum class ImportFormat { kCsv, kJsonLines };

// One problem of one row. `row` is the 1-based line of `data` where the row starts (the CSV
// header is line 1); `field` is the column / key at fault ("" = the whole row).
struct RowError {
  int row = 0;
  std::string field;
  std::string message;
  bool operator==(const RowError&) const = default;
};

struct ImportRow {
  int row = 0;
  Device device;
};

struct ParsedImport {
  std::vector<ImportRow> rows;   // rows that decoded
  std::vector<RowError> errors;  // rows (or the header) that did not, by row
};

// CSV: RFC 4180 (quoted fields with "" escapes and line breaks, CRLF or LF), a header row naming
// columns id (required), display_name, model, hardware_revision, group, labels.<key> (an empty
// cell means no label); blank lines are skipped.
// JSON lines: one object per line with string members id, display_name, model,
// hardware_revision, group (lowerCamelCase accepted) and an object of strings `labels`; blank
// lines are skipped.
// Fails (INVALID_ARGUMENT / IMPORT_FORMAT_INVALID) only for data with no rows or more than
// kMaxImportRows; problems of single rows are reported in `errors`.
absl::StatusOr<ParsedImport> ParseImport(ImportFormat format, std::string_view data);

}  // namespace fleet::devcfg
