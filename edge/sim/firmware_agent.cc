#include "edge/sim/firmware_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"

namespace fleet::sim {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string ErrorBody(const std::string& why) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "error", why);
  w.EndObject();
  return buf.GetString();
}

std::string ProgressBody(const std::string& request_id, std::string_view state, int percent,
                         std::string_view message, std::string_view version) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "request_id", request_id);
  Str(w, "state", state);
  w.Key("percent");
  w.Int(percent);
  if (!message.empty()) Str(w, "message", message);
  if (!version.empty()) Str(w, "version", version);
  w.EndObject();
  return buf.GetString();
}

}  // namespace

double FirmwareAgent::Roll() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

bool FirmwareAgent::SeenLocked(const std::string& device_id, const std::string& request_id) {
  return !seen_[device_id].insert(request_id).second;
}

HandlerResult FirmwareAgent::Upgrade(const std::string& device_id, const kafka::Envelope& request,
                                     absl::Time now) {
  HandlerResult r;
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  auto bad = [&](const std::string& why) {
    r.code = 400;
    r.description = why;
    r.body_json = ErrorBody(why);
    return r;
  };
  if (doc.HasParseError() || !doc.IsObject()) return bad("body is not a JSON object");
  for (const char* k : {"version", "url", "sha256"}) {
    if (!doc.HasMember(k) || !doc[k].IsString() || doc[k].GetStringLength() == 0) {
      return bad(absl::StrCat(k, " must be a non-empty string"));
    }
  }
  if (!doc.HasMember("size") || !doc["size"].IsInt64() || doc["size"].GetInt64() <= 0) {
    return bad("size must be a positive integer");
  }
  const bool mcu = doc.HasMember("kind") && doc["kind"].IsString() && std::string(doc["kind"].GetString()) == "MCU";

  absl::MutexLock l(&mu_);
  if (SeenLocked(device_id, request.id)) {
    ++duplicates_;
    r.description = "duplicate request id, already handled";
    return r;
  }
  if (jobs_.count(device_id)) {
    r.code = 409;
    r.description = "another upgrade is running";
    r.body_json = ErrorBody(r.description);
    return r;
  }
  Job job;
  job.request_id = request.id;
  job.version = doc["version"].GetString();
  job.mcu = mcu;
  job.next_at = now + options_.step_time;
  const double roll = Roll();
  if (roll < options_.timeout_rate) {
    job.fate = Job::Fate::kHang;
  } else if (roll < options_.timeout_rate + options_.fail_rate) {
    job.fate = Job::Fate::kFail;
  }
  jobs_[device_id] = job;
  ++upgrades_;
  r.code = 202;
  r.description = "upgrade to " + job.version + " accepted";
  return r;
}

HandlerResult FirmwareAgent::Run(const std::string& device_id, const kafka::Envelope& request,
                                 absl::Time) {
  HandlerResult r;
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("command") || !doc["command"].IsString()) {
    r.code = 400;
    r.description = "command must be a string";
    r.body_json = ErrorBody(r.description);
    return r;
  }
  const std::string command = doc["command"].GetString();
  absl::MutexLock l(&mu_);
  if (SeenLocked(device_id, request.id)) {
    ++duplicates_;
    r.description = "duplicate request id, already handled";
    return r;
  }
  ++commands_;
  const bool fail = options_.command_fail_rate > 0 && Roll() < options_.command_fail_rate;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("exit_code");
  w.Int(fail ? 1 : 0);
  Str(w, "output", fail ? absl::StrCat(command, ": simulated failure") : absl::StrCat("ran ", command, " on ", device_id));
  w.EndObject();
  r.code = fail ? 500 : 200;
  r.body_json = buf.GetString();
  return r;
}

std::vector<FirmwareAction> FirmwareAgent::Due(absl::Time now) {
  std::vector<FirmwareAction> out;
  absl::MutexLock l(&mu_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    const std::string& device = it->first;
    Job& job = it->second;
    bool done = false;
    while (!done && job.next_at <= now) {
      auto event = [&](std::string_view state, int percent, std::string_view message,
                       std::string_view version = "") {
        FirmwareAction a;
        a.device_id = device;
        a.event.kind = kafka::EnvelopeKind::kEvent;
        a.event.id = absl::StrCat("fw-", ++event_seq_);
        a.event.sender = "edge/" + device;
        a.event.timestamp = job.next_at;
        a.event.type = "firmware.progress";
        a.event.body_json = ProgressBody(job.request_id, state, percent, message, version);
        out.push_back(std::move(a));
      };
      const int steps = std::max(1, options_.download_steps);
      if (job.step < steps) {
        event("DOWNLOADING", 100 * (job.step + 1) / steps, job.step == 0 ? "download started" : "");
        if (job.fate == Job::Fate::kHang) {
          ++failures_;
          done = true;  // never heard of again
          break;
        }
      } else if (job.step == steps) {
        event("VERIFYING", 100, "sha256 ok");
      } else if (job.step == steps + 1) {
        event("INSTALLING", 100, "writing slot B");
      } else if (job.fate == Job::Fate::kFail) {
        ++failures_;
        event("FAILED", 100, "flash write error");
        done = true;
      } else if (job.mcu) {
        event("SUCCEEDED", 100, "mcu flashed", job.version);
        done = true;
      } else {
        event("REBOOTING", 100, "rebooting into " + job.version);
        FirmwareAction reboot;
        reboot.kind = FirmwareAction::Kind::kReboot;
        reboot.device_id = device;
        reboot.silent_until = job.next_at + options_.reboot_time;
        reboot.firmware_version = job.version;
        out.push_back(std::move(reboot));
        ++reboots_;
        done = true;
      }
      ++job.step;
      job.next_at += options_.step_time;
    }
    it = done ? jobs_.erase(it) : std::next(it);
  }
  return out;
}

int FirmwareAgent::Running() const {
  absl::MutexLock l(&mu_);
  return static_cast<int>(jobs_.size());
}
int64_t FirmwareAgent::upgrades() const {
  absl::MutexLock l(&mu_);
  return upgrades_;
}
int64_t FirmwareAgent::duplicates() const {
  absl::MutexLock l(&mu_);
  return duplicates_;
}
int64_t FirmwareAgent::reboots() const {
  absl::MutexLock l(&mu_);
  return reboots_;
}
int64_t FirmwareAgent::failures() const {
  absl::MutexLock l(&mu_);
  return failures_;
}
int64_t FirmwareAgent::commands() const {
  absl::MutexLock l(&mu_);
  return commands_;
}

void FirmwareAgent::RegisterWith(Dispatcher& dispatcher) {
  dispatcher.Register("firmware.upgrade", [this](const std::string& d, const kafka::Envelope& e,
                                                 absl::Time now) { return Upgrade(d, e, now); });
  dispatcher.Register("command.run", [this](const std::string& d, const kafka::Envelope& e,
                                            absl::Time now) { return Run(d, e, now); });
}

}  // namespace fleet::sim
