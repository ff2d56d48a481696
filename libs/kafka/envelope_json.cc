// JSON codec of the edge envelope. Decoding is on the uplink hot path, so it is
// a single-pass RapidJSON SAX parse over an in-situ copy of the input: no DOM,
// numbers kept as their original text, the body re-emitted compactly as it is
// read, and the reader, writer and buffer reused per thread.

#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/envelope_internal.h"
#include "libs/kafka/rfc3339.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::kafka {
namespace {

namespace rj = rapidjson;
using envelope_internal::Invalid;
using envelope_internal::ToAbsl;
using BufferWriter = rj::Writer<rj::StringBuffer>;

constexpr size_t kMaxRetainedScratch = 1 << 20;
constexpr unsigned kParseFlags = rj::kParseInsituFlag | rj::kParseNumbersAsStringsFlag;

enum class Field { kNone, kId, kSender, kTimestamp, kDescription, kType, kReplyTo, kCode, kStatus,
                   kBody };

constexpr std::string_view FieldName(Field f) {
  switch (f) {
    case Field::kId: return "id";
    case Field::kSender: return "sender";
    case Field::kTimestamp: return "timestamp";
    case Field::kDescription: return "description";
    case Field::kType: return "type";
    case Field::kReplyTo: return "reply_to";
    case Field::kCode: return "overall_status_code";
    case Field::kStatus: return "overall_status";
    case Field::kBody: return "body";
    case Field::kNone: break;
  }
  return "";
}

// Maps a member name of a kind object to the field it fills for that kind;
// kNone for unknown names and fields of other kinds (both ignored).
Field LookupField(std::string_view name, EnvelopeKind kind) {
  const bool request = kind == EnvelopeKind::kRequest, response = kind == EnvelopeKind::kResponse;
  if (name == "id") return Field::kId;
  if (name == "sender") return Field::kSender;
  if (name == "timestamp") return Field::kTimestamp;
  if (name == "body") return Field::kBody;
  if (name == "type" && !response) return Field::kType;
  if (name == "description" && (request || response)) return Field::kDescription;
  if (name == "reply_to" && request) return Field::kReplyTo;
  if (name == "overall_status" && response) return Field::kStatus;
  if (name == "overall_status_code" && response) return Field::kCode;
  return Field::kNone;
}

bool IsInteger(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// RapidJSON SAX handler. Depth 1 is the top-level object, depth 2 the kind
// object; the body and unknown nested values are handled by counters.
class Handler : public rj::BaseReaderHandler<rj::UTF8<>, Handler> {
 public:
  Handler(Envelope* e, rj::StringBuffer* body_buffer, BufferWriter* body_writer)
      : e_(e), body_buffer_(body_buffer), body_writer_(body_writer) {}

  const absl::Status& error() const { return error_; }
  bool saw_kind() const { return saw_kind_; }
  bool saw_timestamp() const { return saw_timestamp_; }

  bool Null() { return Scalar(rj::kNullType, {}); }
  bool Bool(bool b) { return Scalar(b ? rj::kTrueType : rj::kFalseType, {}); }
  bool RawNumber(const char* s, rj::SizeType n, bool) { return Scalar(rj::kNumberType, {s, n}); }
  bool String(const char* s, rj::SizeType n, bool) { return Scalar(rj::kStringType, {s, n}); }

  bool Key(const char* s, rj::SizeType n, bool) {
    if (body_depth_ > 0) return body_writer_->Key(s, n);
    if (skip_depth_ > 0) return true;
    const std::string_view name(s, n);
    if (depth_ == 1) {
      EnvelopeKind kind;
      pending_kind_ = true;
      if (name == "request") {
        kind = EnvelopeKind::kRequest;
      } else if (name == "response") {
        kind = EnvelopeKind::kResponse;
      } else if (name == "event") {
        kind = EnvelopeKind::kEvent;
      } else {
        pending_kind_ = false;  // unknown top-level member: ignored
        return true;
      }
      if (saw_kind_) return Fail(Invalid("more than one of 'request', 'response', 'event' is present"));
      saw_kind_ = true;
      e_->kind = kind;
      return true;
    }
    field_ = LookupField(name, e_->kind);
    return true;
  }

  bool StartObject() { return Start(rj::kObjectType); }
  bool StartArray() { return Start(rj::kArrayType); }
  bool EndObject(rj::SizeType) { return End(/*object=*/true); }
  bool EndArray(rj::SizeType) { return End(/*object=*/false); }

 private:
  bool Fail(absl::Status s) {
    error_ = std::move(s);
    return false;
  }

  bool WrongType(std::string_view want) {
    return Fail(Invalid(absl::StrCat("field '", ToAbsl(FieldName(field_)), "' must be ",
                                     ToAbsl(want))));
  }

  bool Start(rj::Type type) {
    if (body_depth_ > 0) {
      ++body_depth_;
      return type == rj::kObjectType ? body_writer_->StartObject() : body_writer_->StartArray();
    }
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    switch (depth_) {
      case 0:
        if (type != rj::kObjectType) return Fail(Invalid("top level must be a JSON object"));
        depth_ = 1;
        return true;
      case 1:
        if (!pending_kind_) break;
        if (type != rj::kObjectType) return KindNotObject();
        depth_ = 2;
        return true;
      default:
        if (field_ == Field::kBody && type == rj::kObjectType) {
          body_depth_ = 1;
          body_buffer_->Clear();
          body_writer_->Reset(*body_buffer_);  // a repeated "body" member replaces the first
          return body_writer_->StartObject();
        }
        if (field_ != Field::kNone) return WrongType(ExpectedType());
        break;
    }
    skip_depth_ = 1;  // an unknown nested value
    return true;
  }

  bool End(bool object) {
    if (body_depth_ > 0) {
      --body_depth_;
      const bool ok = object ? body_writer_->EndObject() : body_writer_->EndArray();
      if (body_depth_ == 0) e_->body_json.assign(body_buffer_->GetString(), body_buffer_->GetSize());
      return ok;
    }
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    --depth_;
    field_ = Field::kNone;
    return true;
  }

  bool KindNotObject() {
    return Fail(Invalid(absl::StrCat("'", ToAbsl(envelope_internal::KindName(e_->kind)),
                                     "' must be an object")));
  }

  std::string_view ExpectedType() const {
    switch (field_) {
      case Field::kId: return "a string or an integer";
      case Field::kCode: return "a string or an integer";
      case Field::kTimestamp: return "an RFC 3339 string";
      case Field::kBody: return "a JSON object";
      default: return "a string";
    }
  }

  bool Scalar(rj::Type type, std::string_view text) {
    if (body_depth_ > 0) return WriteBodyScalar(type, text);
    if (skip_depth_ > 0) return true;
    if (depth_ == 0) return Fail(Invalid("top level must be a JSON object"));
    if (depth_ == 1) return pending_kind_ ? KindNotObject() : true;
    if (field_ == Field::kNone || type == rj::kNullType) return true;  // null = absent
    switch (field_) {
      case Field::kId:
        if (type == rj::kStringType || (type == rj::kNumberType && IsInteger(text))) {
          e_->id.assign(text);
          return true;
        }
        return WrongType(ExpectedType());
      case Field::kCode:
        if (type != rj::kStringType && type != rj::kNumberType) return WrongType(ExpectedType());
        if (!absl::SimpleAtoi(ToAbsl(text), &e_->overall_status_code)) {
          return Fail(Invalid(absl::StrCat("field 'overall_status_code' is not an integer: '",
                                           ToAbsl(text), "'")));
        }
        return true;
      case Field::kTimestamp:
        if (type != rj::kStringType) return WrongType(ExpectedType());
        if (!ParseRfc3339(text, &e_->timestamp)) {
          return Fail(Invalid(
              absl::StrCat("field 'timestamp' is not RFC 3339: '", ToAbsl(text), "'")));
        }
        saw_timestamp_ = true;
        return true;
      case Field::kBody:
        return WrongType(ExpectedType());
      default:
        break;
    }
    if (type != rj::kStringType) return WrongType(ExpectedType());
    std::string* out = nullptr;
    switch (field_) {
      case Field::kSender: out = &e_->sender; break;
      case Field::kDescription: out = &e_->description; break;
      case Field::kType: out = &e_->type; break;
      case Field::kReplyTo: out = &e_->reply_to; break;
      default: out = &e_->overall_status; break;
    }
    out->assign(text);
    return true;
  }

  bool WriteBodyScalar(rj::Type type, std::string_view text) {
    switch (type) {
      case rj::kNullType: return body_writer_->Null();
      case rj::kTrueType: return body_writer_->Bool(true);
      case rj::kFalseType: return body_writer_->Bool(false);
      case rj::kNumberType: return body_writer_->RawValue(text.data(), text.size(), rj::kNumberType);
      default:
        return body_writer_->String(text.data(), static_cast<rj::SizeType>(text.size()));
    }
  }

  Envelope* e_;
  rj::StringBuffer* body_buffer_;
  BufferWriter* body_writer_;
  absl::Status error_;
  int depth_ = 0;
  int skip_depth_ = 0;
  int body_depth_ = 0;
  bool pending_kind_ = false;
  bool saw_kind_ = false;
  bool saw_timestamp_ = false;
  Field field_ = Field::kNone;
};

// Per-thread parse state, reused so a decode allocates only its result strings.
struct Scratch {
  std::string buffer;
  rj::Reader reader;
  rj::StringBuffer body;
  BufferWriter writer{body};
};

void WriteString(BufferWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rj::SizeType>(value.size()));
}

}  // namespace

absl::StatusOr<Envelope> DecodeJson(std::string_view json) {
  if (!envelope_internal::IsValidUtf8(json)) return Invalid("invalid JSON: not valid UTF-8");
  if (std::memchr(json.data(), '\0', json.size()) != nullptr) {
    return Invalid("invalid JSON: contains a NUL byte");
  }
  thread_local Scratch scratch;
  scratch.buffer.assign(json.data(), json.size());  // in-situ parsing overwrites it
  Envelope e;
  Handler handler(&e, &scratch.body, &scratch.writer);
  rj::InsituStringStream stream(scratch.buffer.data());
  const rj::ParseResult result = scratch.reader.Parse<kParseFlags>(stream, handler);
  if (scratch.buffer.capacity() > kMaxRetainedScratch) {  // do not pin memory after a huge message
    scratch.buffer = std::string();
    scratch.body.ShrinkToFit();
  }
  if (!handler.error().ok()) return handler.error();
  if (result.IsError()) {
    return Invalid(absl::StrCat("invalid JSON: ", rj::GetParseError_En(result.Code()),
                                " at offset ", result.Offset()));
  }
  if (!handler.saw_kind()) {
    return Invalid("top level must hold one of 'request', 'response' or 'event'");
  }
  if (!handler.saw_timestamp()) return Invalid("field 'timestamp' is missing");
  if (absl::Status s = envelope_internal::CheckRequired(e); !s.ok()) return s;
  return e;
}

std::string EncodeJson(const Envelope& e) {
  thread_local rj::StringBuffer buffer;
  thread_local BufferWriter w;
  buffer.Clear();
  w.Reset(buffer);
  w.StartObject();
  w.Key(envelope_internal::KindName(e.kind).data());
  w.StartObject();
  WriteString(w, "id", e.id);
  WriteString(w, "sender", e.sender);
  WriteString(w, "timestamp", FormatRfc3339(e.timestamp));
  if (e.kind != EnvelopeKind::kEvent) WriteString(w, "description", e.description);
  if (e.kind != EnvelopeKind::kResponse) WriteString(w, "type", e.type);
  if (e.kind == EnvelopeKind::kRequest) WriteString(w, "reply_to", e.reply_to);
  if (e.kind == EnvelopeKind::kResponse) {
    WriteString(w, "overall_status_code", absl::StrCat(e.overall_status_code));
    WriteString(w, "overall_status", e.overall_status);
  }
  w.Key("body");
  if (e.body_json.empty()) {
    w.RawValue("{}", 2, rj::kObjectType);
  } else {
    w.RawValue(e.body_json.data(), e.body_json.size(), rj::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace fleet::kafka
