#include "services/device-config/domain/import_parser.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "services/device-config/domain/validation.h"

namespace fleet::devcfg {
namespace {

absl::Status FormatError(std::string_view message) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "IMPORT_FORMAT_INVALID", std::string(message),
                           {{"field", "data"}});
}

struct CsvRecord {
  int line = 0;
  std::vector<std::string> cells;
  std::string error;  // non-empty: the record is malformed
};

// Splits CSV text into records. Never fails as a whole: a malformed record carries `error` and
// parsing resumes at the next line.
class CsvReader {
 public:
  explicit CsvReader(std::string_view s) : s_(s) {}

  // False at the end of the data.
  bool Next(CsvRecord& rec) {
    // Skip blank lines.
    while (i_ < s_.size() && (s_[i_] == '\n' || s_[i_] == '\r')) {
      if (s_[i_] == '\n') ++line_;
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    rec = CsvRecord{line_, {}, ""};
    std::string cell;
    while (true) {
      if (i_ < s_.size() && s_[i_] == '"') {
        ++i_;
        bool closed = false;
        while (i_ < s_.size()) {
          const char c = s_[i_++];
          if (c == '"') {
            if (i_ < s_.size() && s_[i_] == '"') {
              cell += '"';
              ++i_;
              continue;
            }
            closed = true;
            break;
          }
          if (c == '\n') ++line_;
          cell += c;
        }
        if (!closed) {
          rec.error = "a quoted field is not closed";
          return true;
        }
        if (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '\n' && s_[i_] != '\r') {
          rec.error = "unexpected text after a quoted field";
          SkipLine();
          return true;
        }
      } else {
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '\n' && s_[i_] != '\r') cell += s_[i_++];
      }
      rec.cells.push_back(std::move(cell));
      cell.clear();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      SkipLine();
      return true;
    }
  }

 private:
  void SkipLine() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
    if (i_ < s_.size()) {
      ++i_;
      ++line_;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
};

// Where a column's value goes.
std::string* Slot(Device& d, const std::string& column) {
  if (column == "id") return &d.id;
  if (column == "display_name") return &d.display_name;
  if (column == "model") return &d.model;
  if (column == "hardware_revision") return &d.hardware_revision;
  if (column == "group") return &d.group;
  return nullptr;
}

absl::StatusOr<ParsedImport> ParseCsv(std::string_view data) {
  ParsedImport out;
  CsvReader reader(data);
  CsvRecord header;
  if (!reader.Next(header)) return FormatError("the CSV data is empty; it needs a header row");
  if (!header.error.empty()) {
    out.errors.push_back({header.line, "", absl::StrCat("header: ", header.error)});
    return out;
  }
  std::map<std::string, int> seen;
  bool has_id = false;
  for (size_t c = 0; c < header.cells.size(); ++c) {
    const std::string& name = header.cells[c];
    const std::string shown = Printable(name);
    Device probe;
    if (!seen.emplace(name, c).second) {
      out.errors.push_back({header.line, shown, absl::StrCat("column \"", shown, "\" appears twice")});
    } else if (Slot(probe, name) == nullptr && name.rfind("labels.", 0) != 0) {
      out.errors.push_back({header.line, shown,
                            absl::StrCat("unknown column \"", shown,
                                         "\"; columns: id, display_name, model, "
                                         "hardware_revision, group, labels.<key>")});
    } else if (name.rfind("labels.", 0) == 0 && !IsValidLabelKey(name.substr(7))) {
      out.errors.push_back(
          {header.line, shown, absl::StrCat("\"", Printable(name.substr(7)), "\" is not a valid label key")});
    }
    if (name == "id") has_id = true;
  }
  if (!has_id) out.errors.push_back({header.line, "id", "the header has no \"id\" column"});
  if (!out.errors.empty()) return out;

  CsvRecord rec;
  while (reader.Next(rec)) {
    if (out.rows.size() + out.errors.size() >= kMaxImportRows) {
      return FormatError(absl::StrCat("at most ", kMaxImportRows, " rows per import"));
    }
    if (!rec.error.empty()) {
      out.errors.push_back({rec.line, "", rec.error});
      continue;
    }
    if (rec.cells.size() != header.cells.size()) {
      out.errors.push_back(
          {rec.line, "",
           absl::StrCat("the row has ", rec.cells.size(), " columns, the header ", header.cells.size())});
      continue;
    }
    ImportRow row{rec.line, {}};
    for (size_t c = 0; c < rec.cells.size(); ++c) {
      const std::string& name = header.cells[c];
      if (std::string* slot = Slot(row.device, name)) {
        *slot = std::move(rec.cells[c]);
      } else if (!rec.cells[c].empty()) {
        row.device.labels[name.substr(7)] = std::move(rec.cells[c]);
      }
    }
    out.rows.push_back(std::move(row));
  }
  if (out.rows.empty() && out.errors.empty()) return FormatError("the CSV data has no rows after the header");
  return out;
}

std::optional<std::string> CanonicalKey(std::string_view key) {
  static const auto* names =
      new std::map<std::string, std::string, std::less<>>{{"id", "id"},
                                                          {"display_name", "display_name"},
                                                          {"displayName", "display_name"},
                                                          {"model", "model"},
                                                          {"hardware_revision", "hardware_revision"},
                                                          {"hardwareRevision", "hardware_revision"},
                                                          {"group", "group"},
                                                          {"labels", "labels"}};
  auto it = names->find(key);
  if (it == names->end()) return std::nullopt;
  return it->second;
}

// One JSON line -> row, or the row's first problem.
void ParseJsonLine(int line, std::string_view text, ParsedImport& out) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    out.errors.push_back({line, "",
                          absl::StrCat("invalid JSON at column ", doc.GetErrorOffset() + 1, ": ",
                                       rapidjson::GetParseError_En(doc.GetParseError()))});
    return;
  }
  if (!doc.IsObject()) {
    out.errors.push_back({line, "", "each line must be a JSON object"});
    return;
  }
  ImportRow row{line, {}};
  for (auto& m : doc.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    std::optional<std::string> field = CanonicalKey(key);
    if (!field) {
      out.errors.push_back({line, Printable(key), absl::StrCat("unknown key \"", Printable(key), "\"")});
      return;
    }
    if (*field == "labels") {
      if (!m.value.IsObject()) {
        out.errors.push_back({line, "labels", "labels must be an object of strings"});
        return;
      }
      for (auto& l : m.value.GetObject()) {
        std::string lk(l.name.GetString(), l.name.GetStringLength());
        if (!l.value.IsString()) {
          out.errors.push_back(
              {line, absl::StrCat("labels.", Printable(lk)), "label values must be strings"});
          return;
        }
        row.device.labels[std::move(lk)] = std::string(l.value.GetString(), l.value.GetStringLength());
      }
      continue;
    }
    if (!m.value.IsString()) {
      out.errors.push_back({line, *field, absl::StrCat(*field, " must be a string")});
      return;
    }
    *Slot(row.device, *field) = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  out.rows.push_back(std::move(row));
}

absl::StatusOr<ParsedImport> ParseJsonLines(std::string_view data) {
  ParsedImport out;
  int line = 0;
  size_t start = 0;
  while (start <= data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string_view::npos) end = data.size();
    ++line;
    std::string_view text = data.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") != std::string_view::npos) {
      if (out.rows.size() + out.errors.size() >= kMaxImportRows) {
        return FormatError(absl::StrCat("at most ", kMaxImportRows, " rows per import"));
      }
      ParseJsonLine(line, text, out);
    }
    start = end + 1;
  }
  if (out.rows.empty() && out.errors.empty()) return FormatError("the JSON lines data has no rows");
  return out;
}

}  // namespace

absl::StatusOr<ParsedImport> ParseImport(ImportFormat format, std::string_view data) {
  return format == ImportFormat::kCsv ? ParseCsv(data) : ParseJsonLines(data);
}

}  // namespace fleet::devcfg
