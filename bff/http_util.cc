#include "bff/http_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "rapidjson/document.h"
#include "libs/status/http.h"
#include "libs/status/status.h"
#include "libs/trace/trace.h"

namespace fleet::bff {

http::Response Json(int code, std::string body) {
  return http::Response{code, "application/json", {}, std::move(body)};
}

std::string ToJsonText(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, o).ok()) return "{}";
  return out;
}

http::Response ProtoJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, o).ok()) {
    return Json(500, R"({"error":{"code":500,"message":"Internal error.","status":"INTERNAL"}})");
  }
  return Json(200, std::move(out));
}

http::Response Error(const absl::Status& st, const http::Request& r) {
  std::string trace_id;
  if (auto tp = trace::ParseTraceparent(r.Header("traceparent")); tp.ok()) trace_id = tp->TraceIdHex();
  http::Response resp =
      Json(status::HttpStatusCode(st.code()), status::ToHttpJson(st, r.Header("x-request-id"), trace_id));
  // Any error that says when to come back (rate limits, open circuits, work in progress).
  const auto meta = status::Metadata(st);
  if (auto it = meta.find("retry_after_seconds"); it != meta.end()) resp.headers.push_back({"Retry-After", it->second});
  return resp;
}

namespace {

// protobuf's JSON parser also takes "true"/"yes"-like strings for bool fields; an API should not.
// Walks `v` against `d` and rejects a string where a bool is expected (nested messages too).
absl::Status StrictBools(const rapidjson::Value& v, const google::protobuf::Descriptor& d, const std::string& path) {
  if (!v.IsObject() || absl::StartsWith(d.full_name(), "google.protobuf.")) return absl::OkStatus();
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    const google::protobuf::FieldDescriptor* f = d.FindFieldByCamelcaseName(name);
    if (f == nullptr) f = d.FindFieldByName(name);
    if (f == nullptr) continue;  // the protobuf parser reports unknown fields
    const std::string where = path.empty() ? name : path + "." + name;
    auto check = [&](const rapidjson::Value& x) -> absl::Status {
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_BOOL && x.IsString()) {
        return status::InvalidField(where, absl::StrCat(where, " must be true or false, not a string"));
      }
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE && !f->is_map()) {
        return StrictBools(x, *f->message_type(), where);
      }
      return absl::OkStatus();
    };
    if (f->is_repeated() && !f->is_map() && it->value.IsArray()) {
      for (const rapidjson::Value& x : it->value.GetArray()) {
        if (absl::Status st = check(x); !st.ok()) return st;
      }
    } else if (absl::Status st = check(it->value); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseJsonBody(const http::Request& r, google::protobuf::Message& out, bool allow_empty) {
  const std::string type = out.GetDescriptor()->name();
  if (absl::StripAsciiWhitespace(r.body).empty()) {
    if (allow_empty) return absl::OkStatus();
    return status::InvalidField("body", absl::StrCat("the request body must be a JSON ", type, " object"));
  }
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(r.body, &out, o);
  if (!st.ok()) {
    const auto msg = st.message();
    return status::InvalidField(
        "body", absl::StrCat("the request body is not a valid JSON ", type, ": ",
                             std::string(msg.data(), msg.size())));
  }
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (!doc.HasParseError()) {
    if (absl::Status strict = StrictBools(doc, *out.GetDescriptor(), ""); !strict.ok()) {
      out.Clear();
      return strict;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(const http::Request& r) {
  const std::string size = r.QueryParam("page_size");
  if (size.empty()) return 0;
  int n = 0;
  if (!absl::SimpleAtoi(size, &n) || n < 0) {
    return status::InvalidField("page_size", "page_size must be a non-negative integer");
  }
  return n;
}

absl::StatusOr<bool> BoolParam(const http::Request& r, const std::string& name) {
  const std::string v = absl::AsciiStrToLower(r.QueryParam(name));
  if (v.empty() || v == "false" || v == "0") return false;
  if (v == "true" || v == "1") return true;
  return status::InvalidField(name, absl::StrCat(name, " must be true or false"));
}

std::vector<std::string> RepeatedParam(const http::Request& r, const std::string& name) {
  std::vector<std::string> out;
  const size_t q = r.target.find('?');
  if (q == std::string::npos) return out;
  const std::string prefix = name + "=";
  for (absl::string_view part : absl::StrSplit(absl::string_view(r.target).substr(q + 1), '&')) {
    if (!absl::StartsWith(part, prefix)) continue;
    part.remove_prefix(prefix.size());
    const std::string value = http::PercentDecode(std::string_view(part.data(), part.size()));
    for (absl::string_view v : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(v));
    }
  }
  return out;
}

std::string IfMatchEtag(const http::Request& r) {
  std::string v(absl::StripAsciiWhitespace(r.Header("if-match")));
  if (absl::StartsWith(v, "W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v == "*") return "";
  return v;
}

absl::StatusOr<std::string> OperatorOf(const http::Request& r) {
  const std::string op(absl::StripAsciiWhitespace(r.Header(kOperatorHeader)));
  if (op.empty()) {
    return status::MakeError(absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED",
                             "the X-Fleet-Operator header (operator id) is required", {{"header", "X-Fleet-Operator"}});
  }
  bool ok = op.size() <= 128;
  for (char c : op) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' ||
                c == '+' || c == ':' || c == '-');
  }
  if (!ok) {
    return status::InvalidField("X-Fleet-Operator",
                                "the operator id must be 1-128 characters of letters, digits and ._@+:-");
  }
  return op;
}

CallContext ContextFor(const http::Request& r, absl::Duration timeout) {
  CallContext c;
  c.request_id = r.Header("x-request-id");
  c.deadline = absl::Now() + timeout;
  return c;
}

}  // namespace fleet::bff
