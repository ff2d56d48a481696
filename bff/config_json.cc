#include "bff/config_json.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bff/http_util.h"
#include "libs/status/status.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::bff {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag;

// SAX handler splitting a top-level object into its members' JSON texts.
class MemberSplitter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, MemberSplitter> {
 public:
  bool Null() { return Scalar(JsonMember::kNull, [](Writer& w) { return w.Null(); }); }
  bool Bool(bool b) { return Scalar(JsonMember::kBool, [b](Writer& w) { return w.Bool(b); }); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return Scalar(JsonMember::kNumber, [s, n](Writer& w) { return w.RawValue(s, n, rapidjson::kNumberType); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return Scalar(JsonMember::kString, [=](Writer& w) { return w.String(s, n, copy); });
  }
  bool StartObject() {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 1) kind_ = JsonMember::kObject;
    ++depth_;
    return writer_->StartObject();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (depth_ != 1) return writer_->Key(s, n, copy);
    key_.assign(s, n);
    buffer_ = std::make_unique<rapidjson::StringBuffer>();
    writer_ = std::make_unique<Writer>(*buffer_);
    return true;
  }
  bool EndObject(rapidjson::SizeType n) {
    if (--depth_ == 0) return true;
    return writer_->EndObject(n) && (depth_ > 1 || Finish());
  }
  bool StartArray() {
    if (depth_ == 0) return NotObject();
    if (depth_ == 1) kind_ = JsonMember::kArray;
    ++depth_;
    return writer_->StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return writer_->EndArray(n) && (depth_ > 1 || Finish());
  }

  bool not_object = false;
  std::string duplicate;
  JsonMembers members;

 private:
  template <typename F>
  bool Scalar(JsonMember::Kind kind, F write) {
    if (depth_ == 0) return NotObject();
    if (!write(*writer_)) return false;
    if (depth_ > 1) return true;
    kind_ = kind;
    return Finish();
  }
  bool NotObject() {
    not_object = true;
    return false;
  }
  bool Finish() {
    JsonMember m{kind_, std::string(buffer_->GetString(), buffer_->GetSize())};
    if (!members.emplace(key_, std::move(m)).second) {
      duplicate = key_;
      return false;
    }
    return true;
  }

  int depth_ = 0;  // open containers, the top-level object included
  std::string key_;
  JsonMember::Kind kind_ = JsonMember::kNull;
  std::unique_ptr<rapidjson::StringBuffer> buffer_;
  std::unique_ptr<Writer> writer_;
};

// A string member's value.
std::string StringOf(const JsonMember& m) {
  rapidjson::Document d;
  d.Parse(m.json.c_str(), m.json.size());
  return d.IsString() ? std::string(d.GetString(), d.GetStringLength()) : "";
}

void Emit(const rapidjson::Value& v, Writer& w, const std::map<std::string, std::string>& raw) {
  if (v.IsObject()) {
    w.StartObject();
    for (const auto& m : v.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      auto it = raw.find(key);
      if (it != raw.end() && m.value.IsString()) {
        const std::string text(m.value.GetString(), m.value.GetStringLength());
        if (text.empty()) continue;
        if (IsJson(text)) {
          w.Key(it->second.c_str(), static_cast<rapidjson::SizeType>(it->second.size()));
          w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
          continue;
        }
      }
      w.Key(m.name.GetString(), m.name.GetStringLength());
      Emit(m.value, w, raw);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) Emit(e, w, raw);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

}  // namespace

absl::StatusOr<JsonMembers> ParseObjectBody(const std::string& body, std::initializer_list<const char*> known) {
  if (absl::StripAsciiWhitespace(body).empty()) {
    return status::InvalidField("body", "the request body must be a JSON object");
  }
  if (body.find('\0') != std::string::npos) {
    return status::InvalidField("body", "the request body is not valid JSON: it contains a NUL byte");
  }
  MemberSplitter splitter;
  rapidjson::Reader reader;
  rapidjson::StringStream in(body.c_str());
  const rapidjson::ParseResult ok = reader.Parse<kParseFlags>(in, splitter);
  if (!splitter.duplicate.empty()) {
    return status::InvalidField(splitter.duplicate, absl::StrCat("\"", splitter.duplicate, "\" is given twice"));
  }
  if (splitter.not_object) {
    return status::InvalidField("body", "the request body must be a JSON object");
  }
  if (!ok) {
    return status::InvalidField("body", absl::StrCat("the request body is not valid JSON: ",
                                                     rapidjson::GetParseError_En(ok.Code()), " (at offset ",
                                                     ok.Offset(), ")"));
  }
  for (const auto& [name, value] : splitter.members) {
    bool allowed = false;
    for (const char* k : known) allowed = allowed || name == k;
    if (!allowed) return status::InvalidField(name, absl::StrCat("unknown member \"", name, "\" in the request body"));
  }
  return std::move(splitter.members);
}

absl::StatusOr<std::optional<int64_t>> Int64Member(const JsonMembers& m, const std::string& name) {
  auto it = m.find(name);
  if (it == m.end() || it->second.kind == JsonMember::kNull) return std::nullopt;
  int64_t v = 0;
  const std::string text = it->second.kind == JsonMember::kString ? StringOf(it->second) : it->second.json;
  if ((it->second.kind != JsonMember::kNumber && it->second.kind != JsonMember::kString) ||
      !absl::SimpleAtoi(text, &v)) {
    return status::InvalidField(name, absl::StrCat(name, " must be an integer"));
  }
  return v;
}

absl::StatusOr<std::string> StringMember(const JsonMembers& m, const std::string& name) {
  auto it = m.find(name);
  if (it == m.end() || it->second.kind == JsonMember::kNull) return std::string();
  if (it->second.kind != JsonMember::kString) return status::InvalidField(name, absl::StrCat(name, " must be a string"));
  return StringOf(it->second);
}

absl::StatusOr<std::string> ObjectMember(const JsonMembers& m, const std::string& name) {
  auto it = m.find(name);
  if (it == m.end()) return status::InvalidField(name, absl::StrCat(name, " (a JSON object) is required"));
  if (it->second.kind != JsonMember::kObject) {
    return status::InvalidField(name, absl::StrCat(name, " must be a JSON object"));
  }
  return it->second.json;
}

std::string RenderWithRawJson(const google::protobuf::Message& m,
                              const std::map<std::string, std::string>& raw_json_fields) {
  rapidjson::Document d;
  const std::string text = ToJsonText(m);
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError()) return "{}";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  Emit(d, w, raw_json_fields);
  return std::string(buf.GetString(), buf.GetSize());
}

bool IsJson(const std::string& text) {
  if (text.find('\0') != std::string::npos) return false;
  rapidjson::BaseReaderHandler<> handler;
  rapidjson::Reader reader;
  rapidjson::StringStream in(text.c_str());
  return !reader.Parse<kParseFlags>(in, handler).IsError();
}

}  // namespace fleet::bff
