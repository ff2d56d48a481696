#include "services/tunnel/server/frps_plugin.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "absl/strings/match.h"

namespace fleet::tunnel {
namespace {

http::Response Json(int status, std::string body) {
  return http::Response{status, "application/json", {}, std::move(body)};
}

http::Response Allow() { return Json(200, R"({"reject":false,"unchange":true})"); }

http::Response Reject(const std::string& why) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("reject");
  w.Bool(true);
  w.Key("reject_reason");
  w.String(why.c_str(), static_cast<rapidjson::SizeType>(why.size()));
  w.EndObject();
  return Json(200, buf.GetString());
}

const rapidjson::Value* Member(const rapidjson::Value* obj, const char* key) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(key);
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

std::string String(const rapidjson::Value* v) {
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

// The first non-empty value.
std::string First(std::initializer_list<std::string> values) {
  for (const std::string& v : values) {
    if (!v.empty()) return v;
  }
  return "";
}

}  // namespace

http::Response HandleFrpsPlugin(ProxyGate& gate, const http::Request& r) {
  // /frps/<server>/handler
  std::string_view path = r.path;
  if (r.method != "POST" || r.path.size() <= sizeof(kFrpsPluginPrefix) + sizeof("/handler") ||
      !absl::StartsWith(r.path, kFrpsPluginPrefix) ||
      !absl::EndsWith(r.path, "/handler")) {
    return Json(404, R"({"error":"use POST /frps/<server>/handler"})");
  }
  path.remove_prefix(sizeof(kFrpsPluginPrefix) - 1);
  path.remove_suffix(sizeof("/handler") - 1);
  const std::string server(path);
  if (server.empty() || server.find('/') != std::string::npos) {
    return Json(404, R"({"error":"use POST /frps/<server>/handler"})");
  }
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject()) return Json(400, R"({"error":"body is not a JSON object"})");
  const std::string op = First({String(Member(&doc, "op")), r.QueryParam("op")});
  const rapidjson::Value* content = Member(&doc, "content");
  if (content == nullptr || !content->IsObject()) return Json(400, R"({"error":"content is required"})");

  absl::StatusOr<GateVerdict> verdict;
  if (op == "Login") {
    const rapidjson::Value* metas = Member(content, "metas");
    verdict = gate.CheckLogin(server, First({String(Member(metas, "device_id")), String(Member(content, "user"))}),
                              String(Member(metas, "session_token")));
  } else if (op == "NewProxy") {
    const rapidjson::Value* user = Member(content, "user");
    const rapidjson::Value* user_metas = Member(user, "metas");
    const rapidjson::Value* proxy_metas = Member(content, "metas");
    const rapidjson::Value* port = Member(content, "remote_port");
    if (port == nullptr || !port->IsInt()) return Reject("remote_port is required");
    verdict = gate.CheckNewProxy(
        server,
        First({String(Member(proxy_metas, "device_id")), String(Member(user_metas, "device_id")),
               String(Member(user, "user"))}),
        port->GetInt(),
        First({String(Member(proxy_metas, "session_token")), String(Member(user_metas, "session_token"))}));
  } else {
    return Allow();
  }
  if (!verdict.ok()) return Json(503, R"({"error":"session store unavailable"})");
  return verdict->allow ? Allow() : Reject(verdict->reason);
}

}  // namespace fleet::tunnel
