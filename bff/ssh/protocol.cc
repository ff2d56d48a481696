#include "bff/ssh/protocol.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "libs/status/http.h"
#include "libs/status/status.h"

namespace fleet::bff::ssh {
namespace {

absl::Status Bad(const std::string& why) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "SSH_PROTOCOL_ERROR", why);
}

bool GetString(const rapidjson::Document& d, const char* name, std::string* out) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) return false;
  *out = std::string(it->value.GetString(), it->value.GetStringLength());
  return true;
}

// A terminal dimension: absent = `dflt`; otherwise an integer 1..1000.
bool GetSize(const rapidjson::Document& d, const char* name, int dflt, int* out) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || it->value.IsNull()) {
    *out = dflt;
    return true;
  }
  if (!it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > 1000) return false;
  *out = it->value.GetInt();
  return true;
}

template <typename Fn>
std::string Write(Fn fn) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  fn(w);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

absl::StatusOr<AuthMessage> ParseAuth(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject()) return Bad("the first message must be a JSON object {\"type\":\"auth\",...}");
  std::string type;
  if (!GetString(d, "type", &type) || type != "auth") return Bad("the first message must have \"type\":\"auth\"");
  AuthMessage m;
  Credentials& c = m.credentials;
  if (!GetString(d, "username", &c.username) || !GetString(d, "password", &c.password) ||
      !GetString(d, "privateKey", &c.private_key) || !GetString(d, "passphrase", &c.passphrase)) {
    return Bad("username, password, privateKey and passphrase must be strings");
  }
  if (!GetSize(d, "cols", 80, &m.cols) || !GetSize(d, "rows", 24, &m.rows)) {
    return Bad("cols and rows must be integers 1..1000");
  }
  return m;
}

std::optional<std::pair<int, int>> ParseResize(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  std::string type;
  if (!GetString(d, "type", &type) || type != "resize") return std::nullopt;
  int cols = 0, rows = 0;
  if (!d.HasMember("cols") || !d.HasMember("rows") || !GetSize(d, "cols", 0, &cols) || !GetSize(d, "rows", 0, &rows)) {
    return std::nullopt;
  }
  return std::make_pair(cols, rows);
}

std::string ReadyMessage(const std::string& fingerprint, int64_t idle_seconds, int64_t max_seconds) {
  return Write([&](auto& w) {
    w.Key("type");
    w.String("ready");
    w.Key("fingerprint");
    w.String(fingerprint.c_str(), static_cast<rapidjson::SizeType>(fingerprint.size()));
    w.Key("idleSeconds");
    w.Int64(idle_seconds);
    w.Key("maxSeconds");
    w.Int64(max_seconds);
  });
}

std::string ErrorMessage(const absl::Status& st) {
  const std::string code_name = absl::StatusCodeToString(st.code());
  const std::string message(st.message());
  const std::string reason = status::ReasonOrDefault(st);
  return Write([&](auto& w) {
    w.Key("type");
    w.String("error");
    w.Key("error");
    w.StartObject();
    w.Key("code");
    w.Int(status::HttpStatusCode(st.code()));
    w.Key("status");
    w.String(code_name.c_str(), static_cast<rapidjson::SizeType>(code_name.size()));
    w.Key("message");
    w.String(message.c_str(), static_cast<rapidjson::SizeType>(message.size()));
    w.Key("reason");
    w.String(reason.c_str(), static_cast<rapidjson::SizeType>(reason.size()));
    w.EndObject();
  });
}

std::string ClosedMessage(const std::string& reason) {
  return Write([&](auto& w) {
    w.Key("type");
    w.String("closed");
    w.Key("reason");
    w.String(reason.c_str(), static_cast<rapidjson::SizeType>(reason.size()));
  });
}

}  // namespace fleet::bff::ssh
