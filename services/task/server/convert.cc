#include "services/task/server/convert.h"

#include <rapidjson/document.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/status.h"

namespace fleet::task {
namespace {

using google::protobuf::util::TimeUtil;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}
absl::Time FromTs(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}
absl::Duration FromDur(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}
void SetDur(absl::Duration d, google::protobuf::Duration* out) {
  *out = TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(d));
}

}  // namespace

v1::ExecutionState ToProto(ExecState s) {
  switch (s) {
    case ExecState::kQueued: return v1::QUEUED;
    case ExecState::kSent: return v1::SENT;
    case ExecState::kDownloading: return v1::DOWNLOADING;
    case ExecState::kVerifying: return v1::VERIFYING;
    case ExecState::kInstalling: return v1::INSTALLING;
    case ExecState::kRebooting: return v1::REBOOTING;
    case ExecState::kSucceeded: return v1::SUCCEEDED;
    case ExecState::kFailed: return v1::FAILED;
    case ExecState::kTimedOut: return v1::TIMED_OUT;
    case ExecState::kCanceled: return v1::CANCELED;
    case ExecState::kSkipped: return v1::SKIPPED;
  }
  return v1::EXECUTION_STATE_UNSPECIFIED;
}

std::optional<ExecState> FromProto(v1::ExecutionState s) {
  for (ExecState e : {ExecState::kQueued, ExecState::kSent, ExecState::kDownloading,
                      ExecState::kVerifying, ExecState::kInstalling, ExecState::kRebooting,
                      ExecState::kSucceeded, ExecState::kFailed, ExecState::kTimedOut,
                      ExecState::kCanceled, ExecState::kSkipped}) {
    if (ToProto(e) == s) return e;
  }
  return std::nullopt;
}

v1::CampaignState ToProto(CampaignState s) {
  switch (s) {
    case CampaignState::kScheduled: return v1::CAMPAIGN_SCHEDULED;
    case CampaignState::kRunning: return v1::CAMPAIGN_RUNNING;
    case CampaignState::kPaused: return v1::CAMPAIGN_PAUSED;
    case CampaignState::kCompleted: return v1::CAMPAIGN_COMPLETED;
    case CampaignState::kCanceled: return v1::CAMPAIGN_CANCELED;
  }
  return v1::CAMPAIGN_STATE_UNSPECIFIED;
}

std::optional<CampaignState> FromProto(v1::CampaignState s) {
  for (CampaignState c : {CampaignState::kScheduled, CampaignState::kRunning, CampaignState::kPaused,
                          CampaignState::kCompleted, CampaignState::kCanceled}) {
    if (ToProto(c) == s) return c;
  }
  return std::nullopt;
}

void ToProto(const Artifact& a, v1::Artifact* out) {
  out->set_name("artifacts/" + a.id);
  out->set_id(a.id);
  out->set_display_name(a.display_name);
  out->set_kind(a.kind == ArtifactKind::kMcu ? v1::MCU : v1::FIRMWARE);
  out->set_version(a.version);
  out->set_url(a.url);
  out->set_sha256(a.sha256);
  out->set_size_bytes(a.size_bytes);
  for (const std::string& m : a.models) out->add_models(m);
  SetTime(a.create_time, out->mutable_create_time());
}

absl::StatusOr<Artifact> FromProto(const v1::Artifact& in) {
  Artifact a;
  if (in.kind() == v1::FIRMWARE) {
    a.kind = ArtifactKind::kFirmware;
  } else if (in.kind() == v1::MCU) {
    a.kind = ArtifactKind::kMcu;
  } else {
    return status::InvalidField("artifact.kind", "kind must be FIRMWARE or MCU");
  }
  a.display_name = in.display_name();
  a.version = in.version();
  a.url = in.url();
  a.sha256 = in.sha256();
  a.size_bytes = in.size_bytes();
  a.models.assign(in.models().begin(), in.models().end());
  return a;
}

absl::StatusOr<CampaignSpec> FromProto(const v1::CampaignSpec& in) {
  CampaignSpec s;
  switch (in.kind()) {
    case v1::CAMPAIGN_FIRMWARE: s.kind = CampaignKind::kFirmware; break;
    case v1::CAMPAIGN_MCU: s.kind = CampaignKind::kMcu; break;
    case v1::CAMPAIGN_COMMAND: s.kind = CampaignKind::kCommand; break;
    default: return status::InvalidField("spec.kind", "kind must be FIRMWARE, MCU or COMMAND");
  }
  if (!in.artifact().empty()) {
    absl::StatusOr<std::string> id = IdFromName(in.artifact(), "artifacts/", "spec.artifact");
    if (!id.ok()) return id.status();
    s.artifact_id = *id;
  }
  s.command_name = in.command().name();
  s.command_args_json = in.command().args_json().empty() ? "{}" : in.command().args_json();
  rapidjson::Document args;
  args.Parse(s.command_args_json.c_str());
  if (args.HasParseError() || !args.IsObject()) {
    return status::InvalidField("spec.command.args_json", "command.args_json must be a JSON object");
  }
  s.targets.device_ids.assign(in.targets().device_ids().begin(), in.targets().device_ids().end());
  s.targets.label_filter = in.targets().label_filter();
  s.targets.include_new = in.targets().include_new();
  if (in.has_start_time()) s.start_time = FromTs(in.start_time());
  if (in.has_window()) {
    s.window = Window{in.window().start_minute(), in.window().end_minute(), in.window().time_zone()};
  }
  s.batch_size = in.rollout().batch_size();
  s.ramp_factor = in.rollout().ramp_factor();
  s.max_batch_size = in.rollout().max_batch_size();
  s.batch_interval = FromDur(in.rollout().batch_interval());
  s.max_in_flight = in.rollout().max_in_flight();
  s.ack_timeout = FromDur(in.timeouts().ack());
  s.download_timeout = FromDur(in.timeouts().download());
  s.install_timeout = FromDur(in.timeouts().install());
  s.reboot_timeout = FromDur(in.timeouts().reboot());
  s.max_attempts = in.retry().max_attempts();
  s.initial_backoff = FromDur(in.retry().initial_backoff());
  s.max_backoff = FromDur(in.retry().max_backoff());
  s.abort_per_batch = {in.abort().per_batch().min_finished(), in.abort().per_batch().max_failure_percent()};
  s.abort_overall = {in.abort().overall().min_finished(), in.abort().overall().max_failure_percent()};
  return s;
}

void ToProto(const CampaignSpec& s, v1::CampaignSpec* out) {
  out->set_kind(s.kind == CampaignKind::kCommand ? v1::CAMPAIGN_COMMAND
                : s.kind == CampaignKind::kMcu   ? v1::CAMPAIGN_MCU
                                                 : v1::CAMPAIGN_FIRMWARE);
  if (!s.artifact_id.empty()) out->set_artifact("artifacts/" + s.artifact_id);
  if (s.kind == CampaignKind::kCommand) {
    out->mutable_command()->set_name(s.command_name);
    out->mutable_command()->set_args_json(s.command_args_json);
  }
  for (const std::string& id : s.targets.device_ids) out->mutable_targets()->add_device_ids(id);
  out->mutable_targets()->set_label_filter(s.targets.label_filter);
  out->mutable_targets()->set_include_new(s.targets.include_new);
  if (s.start_time) SetTime(*s.start_time, out->mutable_start_time());
  if (s.window) {
    out->mutable_window()->set_start_minute(s.window->start_minute);
    out->mutable_window()->set_end_minute(s.window->end_minute);
    out->mutable_window()->set_time_zone(s.window->time_zone);
  }
  v1::Rollout* r = out->mutable_rollout();
  r->set_batch_size(s.batch_size);
  r->set_ramp_factor(s.ramp_factor);
  r->set_max_batch_size(s.max_batch_size);
  SetDur(s.batch_interval, r->mutable_batch_interval());
  r->set_max_in_flight(s.max_in_flight);
  SetDur(s.ack_timeout, out->mutable_timeouts()->mutable_ack());
  SetDur(s.download_timeout, out->mutable_timeouts()->mutable_download());
  SetDur(s.install_timeout, out->mutable_timeouts()->mutable_install());
  SetDur(s.reboot_timeout, out->mutable_timeouts()->mutable_reboot());
  out->mutable_retry()->set_max_attempts(s.max_attempts);
  SetDur(s.initial_backoff, out->mutable_retry()->mutable_initial_backoff());
  SetDur(s.max_backoff, out->mutable_retry()->mutable_max_backoff());
  out->mutable_abort()->mutable_per_batch()->set_min_finished(s.abort_per_batch.min_finished);
  out->mutable_abort()->mutable_per_batch()->set_max_failure_percent(s.abort_per_batch.max_failure_percent);
  out->mutable_abort()->mutable_overall()->set_min_finished(s.abort_overall.min_finished);
  out->mutable_abort()->mutable_overall()->set_max_failure_percent(s.abort_overall.max_failure_percent);
}

void ToProto(const ExecutionCounts& c, v1::ExecutionCounts* n) {
  n->set_queued(c.queued);
  n->set_in_flight(c.in_flight);
  n->set_succeeded(c.succeeded);
  n->set_failed(c.failed);
  n->set_timed_out(c.timed_out);
  n->set_canceled(c.canceled);
  n->set_skipped(c.skipped);
  n->set_total(c.total());
}

void ToProto(const BatchProgress& b, v1::CampaignBatch* out) {
  out->set_index(b.batch);
  ToProto(b.counts, out->mutable_counts());
  if (b.started != absl::InfiniteFuture()) SetTime(b.started, out->mutable_start_time());
  SetTime(b.updated, out->mutable_update_time());
}

void ToProto(const Campaign& c, std::optional<absl::Time> eta, v1::Campaign* out) {
  out->set_name("campaigns/" + c.id);
  out->set_id(c.id);
  out->set_display_name(c.display_name);
  ToProto(c.spec, out->mutable_spec());
  out->set_state(ToProto(c.state));
  out->set_state_reason(c.state_reason);
  out->set_paused_by_abort(c.paused_by_abort);
  ToProto(c.counts, out->mutable_counts());
  out->set_current_batch(c.cursor.batch);
  SetTime(c.create_time, out->mutable_create_time());
  SetTime(c.start_time, out->mutable_start_time());
  if (c.end_time) SetTime(*c.end_time, out->mutable_end_time());
  if (eta) SetTime(*eta, out->mutable_eta());
  out->set_created_by(c.created_by);
}

void ToProto(const Execution& e, v1::Execution* out) {
  out->set_name(absl::StrCat("campaigns/", e.campaign_id, "/executions/", e.device_id));
  out->set_campaign_id(e.campaign_id);
  out->set_device_id(e.device_id);
  out->set_state(ToProto(e.state));
  out->set_percent(e.percent);
  out->set_attempt(e.attempt);
  out->set_batch(e.batch);
  out->set_reason(e.reason);
  out->set_target_version(e.target_version);
  SetTime(e.state_time, out->mutable_state_time());
  SetTime(e.create_time, out->mutable_create_time());
}

void ToProto(const Event& e, v1::TimelineEntry* out) {
  out->set_sequence(e.seq);
  SetTime(e.at, out->mutable_time());
  out->set_campaign_id(e.campaign_id);
  out->set_device_id(e.device_id);
  out->set_attempt(e.attempt);
  switch (e.kind) {
    case Event::Kind::kState: out->set_kind(v1::TimelineEntry::STATE); break;
    case Event::Kind::kLog: out->set_kind(v1::TimelineEntry::LOG); break;
    case Event::Kind::kCampaign: out->set_kind(v1::TimelineEntry::CAMPAIGN); break;
  }
  if (e.kind != Event::Kind::kCampaign) out->set_state(ToProto(e.state));
  out->set_percent(e.percent);
  out->set_message(e.message);
}

absl::StatusOr<std::string> IdFromName(std::string_view name, std::string_view prefix,
                                       std::string_view field) {
  std::string_view id = name;
  if (id.substr(0, prefix.size()) == prefix) id.remove_prefix(prefix.size());
  if (id.empty() || id.find('/') != std::string_view::npos || id.size() > 128) {
    return status::InvalidField(field, absl::StrCat(std::string(field), " must be \"",
                                                    std::string(prefix), "{id}\" or an id"));
  }
  return std::string(id);
}

std::string CursorToken(const Cursor& c) {
  return absl::WebSafeBase64Escape(absl::StrCat(absl::ToUnixMicros(c.time), "|", c.id));
}

absl::StatusOr<Cursor> CursorFromToken(std::string_view token) {
  Cursor c;
  if (token.empty()) return c;
  std::string raw;
  int64_t us = 0;
  if (absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) {
    const size_t bar = raw.find('|');
    if (bar != std::string::npos && absl::SimpleAtoi(raw.substr(0, bar), &us)) {
      c.time = absl::FromUnixMicros(us);
      c.id = raw.substr(bar + 1);
      if (!c.id.empty()) return c;
    }
  }
  return status::InvalidField("page_token", "page_token is not one this API returned");
}

std::string StringToken(std::string_view s) {
  return absl::WebSafeBase64Escape(absl::string_view(s.data(), s.size()));
}

absl::StatusOr<std::string> StringFromToken(std::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) {
    return status::InvalidField("page_token", "page_token is not one this API returned");
  }
  return raw;
}

std::string SeqToken(int64_t seq) { return StringToken(absl::StrCat("s", seq)); }

absl::StatusOr<int64_t> SeqFromToken(std::string_view token) {
  if (token.empty()) return 0;
  absl::StatusOr<std::string> raw = StringFromToken(token);
  int64_t seq = 0;
  if (!raw.ok() || raw->empty() || (*raw)[0] != 's' || !absl::SimpleAtoi(raw->substr(1), &seq) || seq < 0) {
    return status::InvalidField("page_token", "page_token is not one this API returned");
  }
  return seq;
}

std::string BatchToken(int batch) { return StringToken(absl::StrCat("b", batch)); }

absl::StatusOr<int> BatchFromToken(std::string_view token) {
  if (token.empty()) return -1;
  absl::StatusOr<std::string> raw = StringFromToken(token);
  int batch = 0;
  if (!raw.ok() || raw->empty() || (*raw)[0] != 'b' || !absl::SimpleAtoi(raw->substr(1), &batch) ||
      batch < 0) {
    return status::InvalidField("page_token", "page_token is not one this API returned");
  }
  return batch;
}

absl::StatusOr<int> PageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return status::InvalidField("page_size", "page_size must not be negative");
  if (requested == 0) return default_size;
  return std::min(requested, max_size);
}

}  // namespace fleet::task
