#include "edge/sim/config_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fleet::sim {
namespace {

std::string ErrorBody(const std::string& why) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.String(why.c_str(), static_cast<rapidjson::SizeType>(why.size()));
  w.EndObject();
  return buf.GetString();
}

std::string AppliedBody(int64_t version, const std::string& hash) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("version");
  w.Int64(version);
  w.Key("hash");
  w.String(hash.c_str(), static_cast<rapidjson::SizeType>(hash.size()));
  w.EndObject();
  return buf.GetString();
}

}  // namespace

HandlerResult ConfigAgent::Apply(const std::string& device_id, const kafka::Envelope& request,
                                 absl::Time now) {
  (void)now;
  HandlerResult r;
  r.delay = options_.latency;
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  auto bad = [&](const std::string& why) {
    r.code = 400;
    r.description = why;
    r.body_json = ErrorBody(why);
    return r;
  };
  if (doc.HasParseError() || !doc.IsObject()) return bad("body is not a JSON object");
  auto v = doc.FindMember("version");
  auto h = doc.FindMember("hash");
  auto c = doc.FindMember("config");
  if (v == doc.MemberEnd() || !v->value.IsInt64() || v->value.GetInt64() <= 0) {
    return bad("version must be a positive integer");
  }
  if (h == doc.MemberEnd() || !h->value.IsString()) return bad("hash must be a string");
  if (c == doc.MemberEnd() || !c->value.IsObject()) return bad("config must be an object");
  const int64_t version = v->value.GetInt64();
  const std::string hash = h->value.GetString();

  absl::MutexLock l(&mu_);
  if (options_.fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.fail_rate) {
    ++failures_;
    r.code = 500;
    r.description = "config apply failed (simulated failure on " + device_id + ")";
    r.body_json = ErrorBody(r.description);
    return r;
  }
  applied_[device_id] = AppliedConfig{version, hash};
  history_[device_id].push_back(version);
  ++applies_;
  r.body_json = AppliedBody(version, hash);
  return r;
}

std::optional<AppliedConfig> ConfigAgent::Get(const std::string& device_id) const {
  absl::MutexLock l(&mu_);
  auto it = applied_.find(device_id);
  if (it == applied_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> ConfigAgent::History(const std::string& device_id) const {
  absl::MutexLock l(&mu_);
  auto it = history_.find(device_id);
  return it == history_.end() ? std::vector<int64_t>{} : it->second;
}

int64_t ConfigAgent::applies() const {
  absl::MutexLock l(&mu_);
  return applies_;
}

int64_t ConfigAgent::failures() const {
  absl::MutexLock l(&mu_);
  return failures_;
}

void ConfigAgent::RegisterWith(Dispatcher& dispatcher) {
  dispatcher.Register("config.apply", [this](const std::string& d, const kafka::Envelope& e,
                                             absl::Time now) { return Apply(d, e, now); });
}

}  // namespace fleet::sim
