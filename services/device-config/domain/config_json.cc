#include "services/device-config/domain/config_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::devcfg {
namespace {

std::string_view NameOf(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// Walks `v` at `depth` checking the depth cap and duplicate names.
absl::Status Check(const rapidjson::Value& v, int depth, const std::string& path, const JsonLimits& limits,
                   std::string_view field) {
  if ((v.IsObject() || v.IsArray()) && depth > limits.max_depth) {
    return ConfigInvalid(field, path, absl::StrCat("nested deeper than ", limits.max_depth, " levels"));
  }
  if (v.IsObject()) {
    std::vector<std::string_view> names;
    names.reserve(v.MemberCount());
    for (const auto& m : v.GetObject()) names.push_back(NameOf(m.name));
    std::sort(names.begin(), names.end());
    auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) {
      return ConfigInvalid(field, absl::StrCat(path, "/", PointerToken(*dup)),
                           absl::StrCat("duplicate member \"", std::string(*dup), "\""));
    }
    for (const auto& m : v.GetObject()) {
      absl::Status st = Check(m.value, depth + 1, absl::StrCat(path, "/", PointerToken(NameOf(m.name))), limits,
                              field);
      if (!st.ok()) return st;
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      absl::Status st = Check(v[i], depth + 1, absl::StrCat(path, "/", i), limits, field);
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

void WriteCanonical(const rapidjson::Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return NameOf(a->name) < NameOf(b->name); });
    w.StartObject();
    for (const auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      WriteCanonical(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) WriteCanonical(e, w);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

}  // namespace

absl::Status ConfigInvalid(std::string_view field, std::string_view path, std::string_view message) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "CONFIG_INVALID",
                           absl::StrCat(std::string(field), std::string(path), ": ", std::string(message)),
                           {{"field", std::string(field)}, {"path", std::string(path)}});
}

absl::StatusOr<rapidjson::Document> ParseConfigJson(std::string_view text, const JsonLimits& limits,
                                                    std::string_view field) {
  if (text.size() > limits.max_bytes) {
    return ConfigInvalid(field, "", absl::StrCat("is ", text.size(), " bytes, more than the limit of ",
                                                 limits.max_bytes));
  }
  rapidjson::Document doc;
  // Iterative parsing: deep input cannot overflow the stack; the depth cap is checked after.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    absl::Status st = ConfigInvalid(field, "", absl::StrCat("not valid JSON: ",
                                                            rapidjson::GetParseError_En(doc.GetParseError())));
    return status::WithMetadata(st, "offset", std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return ConfigInvalid(field, "", "must be a JSON object");
  absl::Status st = Check(doc, 1, "", limits, field);
  if (!st.ok()) return st;
  return doc;
}

std::string CanonicalJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  WriteCanonical(value, w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string PointerToken(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace fleet::devcfg
