#include "edge/sim/tunnel_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

namespace fleet::sim {
namespace {

std::string Str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

int64_t Int(const rapidjson::Value& obj, const char* key, int64_t otherwise) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : otherwise;
}

// {"session_id": ..., key: value, ...} with string values.
std::string Body(const std::string& session_id,
                 const std::vector<std::pair<const char*, std::string>>& fields,
                 const std::vector<std::string>* proxies = nullptr) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("session_id");
  w.String(session_id.c_str(), static_cast<rapidjson::SizeType>(session_id.size()));
  for (const auto& [k, v] : fields) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  if (proxies != nullptr) {
    w.Key("proxies");
    w.StartArray();
    for (const std::string& p : *proxies) w.String(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
    w.EndArray();
  }
  w.EndObject();
  return buf.GetString();
}

HandlerResult Bad(std::string why, absl::Duration delay) {
  HandlerResult r;
  r.code = 400;
  r.description = why;
  r.body_json = Body("", {{"error", why}});
  r.delay = delay;
  return r;
}

}  // namespace

HandlerResult TunnelAgent::Start(const std::string& device_id, const kafka::Envelope& request,
                                 absl::Time now) {
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return Bad("body is not a JSON object", options_.latency);
  Frpc f;
  f.session_id = Str(doc, "session_id");
  f.server_addr = Str(doc, "server_addr");
  f.server_port = static_cast<int>(Int(doc, "server_port", 0));
  const int64_t auto_stop = Int(doc, "auto_stop_service_in", -1);
  if (f.session_id.empty() || f.server_addr.empty() || f.server_port <= 0 || auto_stop <= 0) {
    return Bad("session_id, server_addr, server_port and auto_stop_service_in are required",
               options_.latency);
  }
  auto proxies = doc.FindMember("proxies");
  if (proxies == doc.MemberEnd() || !proxies->value.IsArray() || proxies->value.Empty()) {
    return Bad("proxies must be a non-empty array", options_.latency);
  }
  std::vector<std::string> names;
  for (const rapidjson::Value& p : proxies->value.GetArray()) {
    if (!p.IsObject()) return Bad("every proxy must be an object", options_.latency);
    const std::string name = Str(p, "name");
    const int64_t remote = Int(p, "remote_port", 0);
    if (name.empty() || remote <= 0 || remote > 65535) {
      return Bad("every proxy needs a name and a remote_port", options_.latency);
    }
    f.proxies.emplace_back(name, static_cast<int>(remote));
    names.push_back(name);
  }
  f.started_at = now;
  f.stop_at = now + absl::Seconds(auto_stop);

  HandlerResult r;
  r.delay = options_.latency;
  absl::MutexLock l(&mu_);
  if (options_.fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.fail_rate) {
    r.code = 500;
    r.description = "frpc failed to start (simulated failure on " + device_id + ")";
    r.body_json = Body(f.session_id, {{"error", r.description}});
    return r;
  }
  r.body_json = Body(f.session_id, {{"frpc", "running"}}, &names);
  running_[device_id] = std::move(f);
  ++starts_;
  return r;
}

HandlerResult TunnelAgent::Stop(const std::string& device_id, const kafka::Envelope& request,
                                absl::Time now) {
  (void)now;
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return Bad("body is not a JSON object", options_.latency);
  const std::string session_id = Str(doc, "session_id");
  HandlerResult r;
  r.delay = options_.latency;
  absl::MutexLock l(&mu_);
  auto it = running_.find(device_id);
  bool stopped = false;
  if (it != running_.end() && (session_id.empty() || it->second.session_id == session_id)) {
    running_.erase(it);
    ++stops_;
    stopped = true;
  }
  r.body_json = Body(session_id, {{"frpc", "stopped"}, {"was_running", stopped ? "true" : "false"}});
  return r;
}

HandlerResult TunnelAgent::Extend(const std::string& device_id, const kafka::Envelope& request,
                                  absl::Time now) {
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return Bad("body is not a JSON object", options_.latency);
  const std::string session_id = Str(doc, "session_id");
  const int64_t auto_stop = Int(doc, "auto_stop_service_in", -1);
  if (session_id.empty() || auto_stop <= 0) {
    return Bad("session_id and a positive auto_stop_service_in are required", options_.latency);
  }
  HandlerResult r;
  r.delay = options_.latency;
  absl::MutexLock l(&mu_);
  auto it = running_.find(device_id);
  if (it == running_.end() || it->second.session_id != session_id) {
    r.code = 404;
    r.description = "no frpc running for session " + session_id;
    r.body_json = Body(session_id, {{"error", r.description}});
    return r;
  }
  it->second.stop_at = now + absl::Seconds(auto_stop);
  ++extends_;
  r.body_json = Body(session_id, {{"frpc", "running"}});
  return r;
}

int TunnelAgent::Expire(absl::Time now) {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second.stop_at <= now) {
      it = running_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

int TunnelAgent::Running() const {
  absl::MutexLock l(&mu_);
  return static_cast<int>(running_.size());
}

std::optional<Frpc> TunnelAgent::Get(const std::string& device_id) const {
  absl::MutexLock l(&mu_);
  auto it = running_.find(device_id);
  if (it == running_.end()) return std::nullopt;
  return it->second;
}

int64_t TunnelAgent::starts() const {
  absl::MutexLock l(&mu_);
  return starts_;
}

int64_t TunnelAgent::extends() const {
  absl::MutexLock l(&mu_);
  return extends_;
}

int64_t TunnelAgent::stops() const {
  absl::MutexLock l(&mu_);
  return stops_;
}

void TunnelAgent::RegisterWith(Dispatcher& dispatcher) {
  dispatcher.Register("tunnel.start", [this](const std::string& d, const kafka::Envelope& e,
                                             absl::Time now) { return Start(d, e, now); });
  dispatcher.Register("tunnel.stop", [this](const std::string& d, const kafka::Envelope& e,
                                            absl::Time now) { return Stop(d, e, now); });
  dispatcher.Register("tunnel.extend", [this](const std::string& d, const kafka::Envelope& e,
                                              absl::Time now) { return Extend(d, e, now); });
}

}  // namespace fleet::sim
