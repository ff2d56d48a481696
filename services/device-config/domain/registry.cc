#include "services/device-config/domain/registry.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "services/device-config/domain/errors.h"
#include "services/device-config/domain/filter.h"
#include "services/device-config/domain/page_token.h"
#include "services/device-config/domain/validation.h"

namespace fleet::devcfg {
namespace {

// Copies the client-settable fields only.
Device Settable(const Device& d) {
  Device out;
  out.id = d.id;
  out.display_name = d.display_name;
  out.model = d.model;
  out.hardware_revision = d.hardware_revision;
  out.labels = d.labels;
  out.group = d.group;
  return out;
}

// `current` with the masked fields of `patch`.
absl::StatusOr<Device> ApplyMask(const Device& current, const Device& patch,
                                 absl::Span<const std::string> mask) {
  Device out = current;
  const bool all = mask.empty() || (mask.size() == 1 && mask[0] == "*");
  auto want = [&](std::string_view path) {
    return all || std::find(mask.begin(), mask.end(), path) != mask.end();
  };
  for (const std::string& path : mask) {
    if (all || path == "display_name" || path == "model" || path == "hardware_revision" || path == "labels" ||
        path == "group") {
      continue;
    }
    if (path.rfind("labels.", 0) == 0) {
      const std::string key = path.substr(7);
      if (!IsValidLabelKey(key)) {
        return status::InvalidField("update_mask",
                                    absl::StrCat("\"", Printable(path), "\" names an invalid label key"));
      }
      if (want("labels")) continue;  // the whole map wins
      auto it = patch.labels.find(key);
      if (it == patch.labels.end()) {
        out.labels.erase(key);
      } else {
        out.labels[key] = it->second;
      }
      continue;
    }
    if (path == "id" || path == "name" || path == "create_time" || path == "update_time" || path == "etag") {
      return status::InvalidField("update_mask", absl::StrCat("\"", path, "\" cannot be updated"));
    }
    return status::InvalidField("update_mask",
                                absl::StrCat("unknown path \"", Printable(path),
                                             "\"; updatable: display_name, model, "
                                             "hardware_revision, labels, labels.<key>, group"));
  }
  if (want("display_name")) out.display_name = patch.display_name;
  if (want("model")) out.model = patch.model;
  if (want("hardware_revision")) out.hardware_revision = patch.hardware_revision;
  if (want("labels")) out.labels = patch.labels;
  if (want("group")) out.group = patch.group;
  return out;
}

// A JSON array of the first errors that fit both caps; *truncated when some were left out.
std::string RowErrorsJson(const std::vector<RowError>& errors, bool* truncated) {
  std::string out = "[";
  size_t count = 0;
  for (const RowError& e : errors) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    const std::string field = Printable(e.field, 80);
    const std::string message = Printable(e.message, 200);
    w.StartObject();
    w.Key("row");
    w.Int(e.row);
    w.Key("field");
    w.String(field.data(), field.size());
    w.Key("message");
    w.String(message.data(), message.size());
    w.EndObject();
    if (count == Registry::kMaxReportedRowErrors ||
        out.size() + buf.GetSize() + 2 > Registry::kMaxReportBytes) {
      break;
    }
    if (count++ > 0) out += ',';
    out.append(buf.GetString(), buf.GetSize());
  }
  *truncated = count < errors.size();
  return out + "]";
}

}  // namespace

absl::Status ImportRowsInvalid(std::vector<RowError> errors, size_t rows) {
  std::stable_sort(errors.begin(), errors.end(),
                   [](const RowError& a, const RowError& b) { return a.row < b.row; });
  absl::flat_hash_set<int> bad_rows;
  for (const RowError& e : errors) bad_rows.insert(e.row);
  const RowError& first = errors.front();
  bool truncated = false;
  std::map<std::string, std::string> metadata = {{"field", "data"},
                                                 {"invalid_rows", std::to_string(bad_rows.size())},
                                                 {"row_errors", RowErrorsJson(errors, &truncated)}};
  if (truncated) metadata["truncated"] = "true";
  return status::MakeError(
      absl::StatusCode::kInvalidArgument, "IMPORT_ROWS_INVALID",
      absl::StrCat(bad_rows.size(), " of ", rows, " rows are invalid, nothing was imported; first: row ",
                   first.row, first.field.empty() ? "" : absl::StrCat(", ", Printable(first.field, 80)), ": ",
                   Printable(first.message, 200)),
      metadata);
}

absl::Time Registry::Now() {
  // PostgreSQL keeps microseconds; every repo sees the same precision.
  return absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now()));
}

absl::StatusOr<Device> Registry::Create(const Device& device) {
  Device d = Settable(device);
  if (absl::Status st = ValidateDevice(d); !st.ok()) return st;
  return repo_.Create(d, Now());
}

absl::StatusOr<Device> Registry::Get(std::string_view name) {
  absl::StatusOr<std::string> id = ParseDeviceName(name);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::optional<Device>> d = repo_.Get(*id);
  if (!d.ok()) return d.status();
  if (!d->has_value()) return DeviceNotFound(*id);
  return **d;
}

absl::StatusOr<Device> Registry::Update(const Device& patch, absl::Span<const std::string> update_mask,
                                        std::string_view etag) {
  if (absl::Status st = ids::ValidateDeviceId(patch.id, "device.name"); !st.ok()) return st;
  const int64_t expected = etag.empty() ? 0 : RevisionOfEtag(etag);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::optional<Device>> current = repo_.Get(patch.id);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return DeviceNotFound(patch.id);
    if (!etag.empty() && (*current)->revision != expected)
      return EtagMismatch(patch.id, (*current)->revision);
    absl::StatusOr<Device> merged = ApplyMask(**current, patch, update_mask);
    if (!merged.ok()) return merged.status();
    if (absl::Status st = ValidateDevice(*merged); !st.ok()) return st;
    absl::StatusOr<Device> updated = repo_.Update(*merged, (*current)->revision, Now());
    if (updated.ok() || !etag.empty() || !absl::IsAborted(updated.status()) || attempt >= kUpdateAttempts) {
      return updated;
    }
  }
}

absl::Status Registry::Delete(std::string_view name, std::string_view etag) {
  absl::StatusOr<std::string> id = ParseDeviceName(name);
  if (!id.ok()) return id.status();
  std::optional<int64_t> expected;
  if (!etag.empty()) expected = RevisionOfEtag(etag);
  return repo_.Delete(*id, expected);
}

absl::StatusOr<ListDevicesResponse> Registry::List(const ListDevicesRequest& request) {
  if (request.page_size < 0 || request.page_size > kMaxPageSize) {
    return status::InvalidField("page_size", absl::StrCat("page_size must be between 0 and ", kMaxPageSize,
                                                          ", got ", request.page_size));
  }
  if (!request.order_by.empty() && request.order_by != "id" && request.order_by != "id asc") {
    return status::InvalidField("order_by", "only \"id\" is supported");
  }
  absl::StatusOr<std::optional<filter::Expr>> expr = filter::Parse(request.filter);
  if (!expr.ok()) return expr.status();
  const std::string canonical = expr->has_value() ? filter::ToString(**expr) : "";
  std::string after;
  if (!request.page_token.empty()) {
    absl::StatusOr<std::string> pos = DecodePageToken(request.page_token, canonical);
    if (!pos.ok()) return pos.status();
    after = std::move(*pos);
  }
  const int size = request.page_size == 0 ? kDefaultPageSize : request.page_size;
  absl::StatusOr<DeviceRepo::Page> page = repo_.List(expr->has_value() ? &**expr : nullptr, after, size);
  if (!page.ok()) return page.status();
  ListDevicesResponse out;
  if (page->more && !page->items.empty())
    out.next_page_token = EncodePageToken(canonical, page->items.back().id);
  out.devices = std::move(page->items);
  return out;
}

absl::StatusOr<BatchGetDevicesResponse> Registry::BatchGet(absl::Span<const std::string> names) {
  absl::StatusOr<BatchDeviceIds> batch = ParseBatchDeviceNames(names, "names", kMaxBatchGet);
  if (!batch.ok()) return batch.status();
  const std::vector<std::string>& ids = batch->ids;
  absl::StatusOr<std::vector<Device>> found = repo_.BatchGet(ids);
  if (!found.ok()) return found.status();
  BatchGetDevicesResponse out;
  absl::flat_hash_set<std::string> present;
  for (const Device& d : *found) present.insert(d.id);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!present.contains(ids[i])) out.missing.push_back(*batch->given[i]);
  }
  out.devices = std::move(*found);
  return out;
}

absl::StatusOr<ImportResult> Registry::Import(ImportFormat format, std::string_view data,
                                              bool validate_only) {
  absl::StatusOr<ParsedImport> parsed = ParseImport(format, data);
  if (!parsed.ok()) return parsed.status();
  std::vector<RowError> errors = std::move(parsed->errors);
  const size_t rows = parsed->rows.size() + errors.size();
  absl::flat_hash_map<std::string, int> first_row;
  std::vector<Device> devices;
  std::vector<int> row_of;
  devices.reserve(parsed->rows.size());
  for (ImportRow& row : parsed->rows) {
    std::vector<FieldError> problems = CheckDevice(row.device);
    for (FieldError& p : problems) errors.push_back({row.row, std::move(p.field), std::move(p.message)});
    if (!problems.empty()) continue;
    auto [it, fresh] = first_row.emplace(row.device.id, row.row);
    if (!fresh) {
      errors.push_back(
          {row.row, "id", absl::StrCat("id \"", row.device.id, "\" already appears in row ", it->second)});
      continue;
    }
    devices.push_back(std::move(row.device));
    row_of.push_back(row.row);
  }
  if (!errors.empty()) return ImportRowsInvalid(std::move(errors), rows);
  absl::StatusOr<std::vector<size_t>> existing = repo_.Import(devices, Now(), validate_only);
  if (!existing.ok()) return existing.status();
  for (size_t i : *existing) {
    errors.push_back({row_of[i], "id", absl::StrCat("device \"", devices[i].id, "\" already exists")});
  }
  if (!errors.empty()) return ImportRowsInvalid(std::move(errors), rows);
  return ImportResult{validate_only ? 0 : static_cast<int>(devices.size()), static_cast<int>(rows)};
}

}  // namespace fleet::devcfg
