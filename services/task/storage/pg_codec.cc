#include "services/task/storage/pg_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fleet::task::pgcodec {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void Int(Writer& w, const char* key, int64_t v) {
  w.Key(key);
  w.Int64(v);
}
void TimeOrNull(Writer& w, const char* key, absl::Time t) {
  w.Key(key);
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    w.Null();
  } else {
    w.Int64(absl::ToUnixMicros(t));
  }
}
void Dur(Writer& w, const char* key, absl::Duration d) { Int(w, key, absl::ToInt64Microseconds(d)); }

absl::Time TimeOr(const pqxx::field& f, absl::Time dflt) {
  return f.is_null() ? dflt : absl::FromUnixMicros(f.as<int64_t>());
}

}  // namespace

std::string EncodeSpec(const CampaignSpec& s) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "kind", Name(s.kind));
  Str(w, "artifact_id", s.artifact_id);
  Str(w, "command_name", s.command_name);
  Str(w, "command_args_json", s.command_args_json);
  Str(w, "label_filter", s.targets.label_filter);
  w.Key("include_new");
  w.Bool(s.targets.include_new);
  TimeOrNull(w, "start_time", s.start_time.value_or(absl::InfinitePast()));
  if (s.window) {
    w.Key("window");
    w.StartObject();
    Int(w, "start_minute", s.window->start_minute);
    Int(w, "end_minute", s.window->end_minute);
    Str(w, "time_zone", s.window->time_zone);
    w.EndObject();
  }
  Int(w, "batch_size", s.batch_size);
  w.Key("ramp_factor");
  w.Double(s.ramp_factor);
  Int(w, "max_batch_size", s.max_batch_size);
  Dur(w, "batch_interval_us", s.batch_interval);
  Int(w, "max_in_flight", s.max_in_flight);
  Dur(w, "ack_us", s.ack_timeout);
  Dur(w, "download_us", s.download_timeout);
  Dur(w, "install_us", s.install_timeout);
  Dur(w, "reboot_us", s.reboot_timeout);
  Int(w, "max_attempts", s.max_attempts);
  Dur(w, "initial_backoff_us", s.initial_backoff);
  Dur(w, "max_backoff_us", s.max_backoff);
  Int(w, "abort_batch_min", s.abort_per_batch.min_finished);
  w.Key("abort_batch_pct");
  w.Double(s.abort_per_batch.max_failure_percent);
  Int(w, "abort_all_min", s.abort_overall.min_finished);
  w.Key("abort_all_pct");
  w.Double(s.abort_overall.max_failure_percent);
  w.EndObject();
  return buf.GetString();
}

absl::StatusOr<CampaignSpec> DecodeSpec(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject()) return absl::InternalError("task_campaigns.spec is not JSON");
  bool ok = true;
  auto str = [&](const char* k) -> std::string {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsString()) { ok = false; return ""; }
    return it->value.GetString();
  };
  auto num = [&](const char* k) -> int64_t {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsInt64()) { ok = false; return 0; }
    return it->value.GetInt64();
  };
  auto dbl = [&](const char* k) -> double {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsNumber()) { ok = false; return 0; }
    return it->value.GetDouble();
  };
  auto us = [&](const char* k) { return absl::Microseconds(num(k)); };
  CampaignSpec s;
  std::optional<CampaignKind> kind = ParseCampaignKind(str("kind"));
  if (!kind) return absl::InternalError("task_campaigns.spec: bad kind");
  s.kind = *kind;
  s.artifact_id = str("artifact_id");
  s.command_name = str("command_name");
  s.command_args_json = str("command_args_json");
  s.targets.label_filter = str("label_filter");
  auto inc = d.FindMember("include_new");
  s.targets.include_new = inc != d.MemberEnd() && inc->value.IsBool() && inc->value.GetBool();
  auto st = d.FindMember("start_time");
  if (st != d.MemberEnd() && st->value.IsInt64()) s.start_time = absl::FromUnixMicros(st->value.GetInt64());
  auto win = d.FindMember("window");
  if (win != d.MemberEnd() && win->value.IsObject()) {
    const auto& o = win->value;
    if (!o.HasMember("start_minute") || !o["start_minute"].IsInt() || !o.HasMember("end_minute") ||
        !o["end_minute"].IsInt() || !o.HasMember("time_zone") || !o["time_zone"].IsString()) {
      return absl::InternalError("task_campaigns.spec: bad window");
    }
    s.window = Window{o["start_minute"].GetInt(), o["end_minute"].GetInt(), o["time_zone"].GetString()};
  }
  s.batch_size = static_cast<int>(num("batch_size"));
  s.ramp_factor = dbl("ramp_factor");
  s.max_batch_size = static_cast<int>(num("max_batch_size"));
  s.batch_interval = us("batch_interval_us");
  s.max_in_flight = static_cast<int>(num("max_in_flight"));
  s.ack_timeout = us("ack_us");
  s.download_timeout = us("download_us");
  s.install_timeout = us("install_us");
  s.reboot_timeout = us("reboot_us");
  s.max_attempts = static_cast<int>(num("max_attempts"));
  s.initial_backoff = us("initial_backoff_us");
  s.max_backoff = us("max_backoff_us");
  s.abort_per_batch = {static_cast<int>(num("abort_batch_min")), dbl("abort_batch_pct")};
  s.abort_overall = {static_cast<int>(num("abort_all_min")), dbl("abort_all_pct")};
  if (!ok) return absl::InternalError("task_campaigns.spec: missing or mistyped field");
  return s;
}

std::string ExecutionsJson(const std::vector<Execution>& executions) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const Execution& e : executions) {
    w.StartObject();
    Int(w, "id", e.id);
    Str(w, "state", Name(e.state));
    Int(w, "percent", e.percent);
    Int(w, "attempt", e.attempt);
    Int(w, "batch", e.batch);
    Str(w, "reason", e.reason);
    Str(w, "request_id", e.request_id);
    Int(w, "state_time", absl::ToUnixMicros(e.state_time));
    TimeOrNull(w, "deadline", e.deadline);
    TimeOrNull(w, "not_before", e.not_before);
    TimeOrNull(w, "sent_time", e.sent_time);
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::string_view KindName(Event::Kind k) {
  switch (k) {
    case Event::Kind::kState: return "STATE";
    case Event::Kind::kLog: return "LOG";
    case Event::Kind::kCampaign: return "CAMPAIGN";
  }
  return "LOG";
}

std::string EventsJson(const std::vector<Event>& events) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const Event& e : events) {
    w.StartObject();
    Int(w, "at", absl::ToUnixMicros(e.at));
    Str(w, "campaign_id", e.campaign_id);
    Str(w, "device_id", e.device_id);
    Int(w, "attempt", e.attempt);
    Str(w, "kind", KindName(e.kind));
    Str(w, "state", e.kind == Event::Kind::kCampaign ? "" : Name(e.state));
    Int(w, "percent", e.percent);
    Str(w, "message", e.message);
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::string TargetsJson(const std::vector<TargetDevice>& targets) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const TargetDevice& t : targets) {
    w.StartObject();
    Str(w, "device_id", t.device_id);
    Str(w, "model", t.model);
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::string StringsJson(const std::vector<std::string>& values) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const std::string& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
  return buf.GetString();
}

std::string BigintArray(const std::vector<int64_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::string Join(const std::vector<std::string>& models) { return absl::StrJoin(models, ","); }

std::vector<std::string> Split(const std::string& models) {
  if (models.empty()) return {};
  return absl::StrSplit(models, ',');
}

std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }

std::optional<std::string> MicrosOrNull(absl::Time t) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return std::nullopt;
  return Micros(t);
}

absl::StatusOr<Artifact> ArtifactFrom(const pqxx::row& row) {
  Artifact a;
  a.id = row[0].as<std::string>();
  a.display_name = row[1].as<std::string>();
  std::optional<ArtifactKind> kind = ParseArtifactKind(row[2].as<std::string>());
  if (!kind) return absl::InternalError("task_artifacts.kind: unknown value");
  a.kind = *kind;
  a.version = row[3].as<std::string>();
  a.url = row[4].as<std::string>();
  a.sha256 = row[5].as<std::string>();
  a.size_bytes = row[6].as<int64_t>();
  a.models = Split(row[7].as<std::string>());
  a.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
  return a;
}

absl::StatusOr<Campaign> CampaignFrom(const pqxx::row& row, const CampaignSpec& spec) {
  Campaign c;
  c.id = row[0].as<std::string>();
  c.display_name = row[1].as<std::string>();
  c.created_by = row[2].as<std::string>();
  c.spec = spec;
  c.target_version = row[4].as<std::string>();
  c.target_models = Split(row[5].as<std::string>());
  std::optional<CampaignState> state = ParseCampaignState(row[6].as<std::string>());
  if (!state) return absl::InternalError("task_campaigns.state: unknown value");
  c.state = *state;
  c.state_reason = row[7].as<std::string>();
  c.paused_by_abort = row[8].as<bool>();
  c.cursor.batch = row[9].as<int>();
  c.cursor.sent = row[10].as<int>();
  c.cursor.started_at = TimeOr(row[11], absl::InfinitePast());
  c.abort_base_finished = row[12].as<int64_t>();
  c.abort_base_failures = row[13].as<int64_t>();
  c.create_time = absl::FromUnixMicros(row[14].as<int64_t>());
  c.start_time = absl::FromUnixMicros(row[15].as<int64_t>());
  if (!row[16].is_null()) c.end_time = absl::FromUnixMicros(row[16].as<int64_t>());
  return c;
}

absl::StatusOr<Execution> ExecutionFrom(const pqxx::row& row) {
  Execution e;
  e.id = row[0].as<int64_t>();
  e.campaign_id = row[1].as<std::string>();
  e.device_id = row[2].as<std::string>();
  e.model = row[3].as<std::string>();
  std::optional<ExecState> state = ParseExecState(row[4].as<std::string>());
  if (!state) return absl::InternalError("task_executions.state: unknown value");
  e.state = *state;
  e.percent = row[5].as<int>();
  e.attempt = row[6].as<int>();
  e.batch = row[7].as<int>();
  e.reason = row[8].as<std::string>();
  e.target_version = row[9].as<std::string>();
  e.request_id = row[10].as<std::string>();
  e.state_time = absl::FromUnixMicros(row[11].as<int64_t>());
  e.create_time = absl::FromUnixMicros(row[12].as<int64_t>());
  e.deadline = TimeOr(row[13], absl::InfiniteFuture());
  e.not_before = TimeOr(row[14], absl::InfinitePast());
  e.sent_time = TimeOr(row[15], absl::InfiniteFuture());
  return e;
}

absl::StatusOr<Event> EventFrom(const pqxx::row& row) {
  Event e;
  e.seq = row[0].as<int64_t>();
  e.at = absl::FromUnixMicros(row[1].as<int64_t>());
  e.campaign_id = row[2].as<std::string>();
  e.device_id = row[3].as<std::string>();
  e.attempt = row[4].as<int>();
  const std::string kind = row[5].as<std::string>();
  e.kind = kind == "STATE" ? Event::Kind::kState
           : kind == "LOG" ? Event::Kind::kLog
                           : Event::Kind::kCampaign;
  if (e.kind != Event::Kind::kCampaign) {
    std::optional<ExecState> state = ParseExecState(row[6].as<std::string>());
    if (!state) return absl::InternalError("task_events.state: unknown value");
    e.state = *state;
  }
  e.percent = row[7].as<int>();
  e.message = row[8].as<std::string>();
  return e;
}

}  // namespace fleet::task::pgcodec
