#include "services/device-config/domain/validation.h"

#include "absl/strings/str_cat.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerOrDigit(c) || (c >= 'A' && c <= 'Z'); }

bool IsKeyChar(char c) { return IsLowerOrDigit(c) || c == '.' || c == '_' || c == '/' || c == '-'; }
bool IsValueChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '/' || c == ':' || c == '@' || c == '+' || c == '-' ||
         c == ' ';
}
bool IsModelChar(char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '-'; }
bool IsGroupChar(char c) { return IsLowerOrDigit(c) || c == '.' || c == '_' || c == '-'; }

// Position of the first character failing `ok`, or npos.
template <typename Pred>
size_t FirstBad(std::string_view s, Pred ok) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!ok(s[i])) return i;
  }
  return std::string_view::npos;
}

void CheckToken(const std::string& field, std::string_view value, bool (*ok)(char), const char* charset,
                std::vector<FieldError>& out) {
  if (value.size() > kMaxModelLength) {
    out.push_back({field, absl::StrCat(field, " is ", value.size(), " characters long; the maximum is ",
                                       kMaxModelLength)});
    return;
  }
  if (size_t i = FirstBad(value, ok); i != std::string_view::npos) {
    out.push_back({field, absl::StrCat(field, " has a character outside ", charset, " at position ", i)});
  }
}

// Offset of the first byte that is not valid UTF-8 or starts a control character (C0, DEL,
// C1), or npos when the text is clean.
size_t FirstUnclean(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char lead = s[i];
    int extra;    // continuation bytes
    uint32_t cp;  // code point
    if (lead < 0x80) {
      extra = 0, cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07;
    } else {
      return i;
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= s.size()) return i;
      const unsigned char next = s[i + k];
      if ((next & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    const bool overlong = cp < kMinForLength[extra];
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    const bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
    if (overlong || surrogate || control || cp > 0x10FFFF) return i;
    i += extra + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::string Printable(std::string_view s, size_t max_len) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max_len; ++i) out += (s[i] >= 0x20 && s[i] < 0x7F) ? s[i] : '?';
  if (s.size() > max_len) out += "...";
  return out;
}

bool IsValidLabelKey(std::string_view key) {
  return !key.empty() && key.size() <= kMaxLabelKeyLength && IsLowerOrDigit(key.front()) &&
         FirstBad(key, IsKeyChar) == std::string_view::npos;
}

std::vector<FieldError> CheckLabels(const std::map<std::string, std::string>& labels) {
  std::vector<FieldError> out;
  if (labels.size() > kMaxLabels) {
    out.push_back(
        {"labels", absl::StrCat("a device has at most ", kMaxLabels, " labels, got ", labels.size())});
  }
  for (const auto& [key, value] : labels) {
    const std::string field = absl::StrCat("labels.", Printable(key));
    if (!IsValidLabelKey(key)) {
      out.push_back(
          {field, absl::StrCat("label key \"", Printable(key), "\" must be 1-", kMaxLabelKeyLength,
                               " characters from [a-z0-9._/-] starting with a lowercase letter or digit")});
      continue;
    }
    if (value.size() > kMaxLabelValueLength) {
      out.push_back({field, absl::StrCat("label value is ", value.size(), " characters long; the maximum is ",
                                         kMaxLabelValueLength)});
    } else if (size_t i = FirstBad(value, IsValueChar); i != std::string_view::npos) {
      out.push_back({field, absl::StrCat("label value has a character outside [A-Za-z0-9._/:@+-] and "
                                         "space at position ",
                                         i)});
    }
  }
  return out;
}

std::vector<FieldError> CheckDevice(const Device& device) {
  std::vector<FieldError> out;
  if (absl::Status st = ids::ValidateDeviceId(device.id, "id"); !st.ok()) {
    out.push_back({"id", std::string(st.message())});
  }
  if (device.display_name.size() > kMaxDisplayNameBytes) {
    out.push_back({"display_name", absl::StrCat("display_name is ", device.display_name.size(),
                                                " bytes long; the maximum is ", kMaxDisplayNameBytes)});
  } else if (size_t bad = FirstUnclean(device.display_name); bad != std::string_view::npos) {
    out.push_back({"display_name", absl::StrCat("display_name has invalid UTF-8 or a control "
                                                "character at byte ",
                                                bad)});
  }
  CheckToken("model", device.model, IsModelChar, "[A-Za-z0-9._-]", out);
  CheckToken("hardware_revision", device.hardware_revision, IsModelChar, "[A-Za-z0-9._-]", out);
  std::vector<FieldError> labels = CheckLabels(device.labels);
  out.insert(out.end(), labels.begin(), labels.end());
  CheckToken("group", device.group, IsGroupChar, "[a-z0-9._-]", out);
  return out;
}

absl::Status ToStatus(const FieldError& error) { return status::InvalidField(error.field, error.message); }

absl::Status ValidateDevice(const Device& device) {
  std::vector<FieldError> errors = CheckDevice(device);
  return errors.empty() ? absl::OkStatus() : ToStatus(errors.front());
}

}  // namespace fleet::devcfg
