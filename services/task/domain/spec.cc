#include "services/task/domain/spec.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"
#include "services/task/domain/errors.h"

namespace fleet::task {
namespace {

using status::InvalidField;

bool AllOf(const std::string& s, const char* extra) {
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && std::string(extra).find(c) == std::string::npos) {
      return false;
    }
  }
  return true;
}

bool Printable(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::Status CheckTimeout(absl::Duration* d, absl::Duration dflt, const SpecLimits& limits,
                          const char* field) {
  if (*d == absl::ZeroDuration()) *d = dflt;
  if (*d < absl::Seconds(1) || *d > limits.max_timeout) {
    return InvalidField(field, absl::StrCat(field, " must be between 1s and ",
                                            absl::FormatDuration(limits.max_timeout)));
  }
  return absl::OkStatus();
}

absl::Status CheckThreshold(const AbortThreshold& t, const char* field) {
  if (t.min_finished < 0) {
    return InvalidField(absl::StrCat(field, ".min_finished"), "min_finished must not be negative");
  }
  if (!(t.max_failure_percent >= 0 && t.max_failure_percent <= 100)) {
    return InvalidField(absl::StrCat(field, ".max_failure_percent"),
                        "max_failure_percent must be between 0 and 100");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateArtifact(const Artifact& a) {
  if (a.display_name.empty() || a.display_name.size() > 128 || !Printable(a.display_name)) {
    return InvalidField("artifact.display_name", "display_name must be 1-128 printable characters");
  }
  if (a.version.empty() || a.version.size() > 64 || !AllOf(a.version, "._+-")) {
    return InvalidField("artifact.version", "version must be 1-64 characters from [A-Za-z0-9._+-]");
  }
  if (!(a.url.rfind("http://", 0) == 0 || a.url.rfind("https://", 0) == 0) || a.url.size() > 2048 ||
      a.url.find_first_of(" \t\r\n\"") != std::string::npos) {
    return InvalidField("artifact.url", "url must be an http(s) URL without spaces or quotes");
  }
  if (a.sha256.size() != 64 || !AllOf(a.sha256, "") ||
      a.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return InvalidField("artifact.sha256", "sha256 must be 64 lowercase hex digits");
  }
  if (a.size_bytes <= 0) return InvalidField("artifact.size_bytes", "size_bytes must be positive");
  std::set<std::string> seen;
  for (const std::string& m : a.models) {
    if (m.empty() || m.size() > 64 || !AllOf(m, "._-")) {
      return InvalidField("artifact.models", "models must be 1-64 characters from [A-Za-z0-9._-]");
    }
    if (!seen.insert(m).second) return InvalidField("artifact.models", "duplicate model " + m);
  }
  return absl::OkStatus();
}

absl::StatusOr<CampaignSpec> NormalizeSpec(CampaignSpec s, absl::Time now,
                                           const SpecLimits& limits) {
  // What and where.
  if (s.kind == CampaignKind::kCommand) {
    if (!s.artifact_id.empty()) {
      return InvalidField("spec.artifact", "a COMMAND campaign takes no artifact");
    }
    if (s.command_name.empty() || s.command_name.size() > 64 || !AllOf(s.command_name, "._-")) {
      return InvalidField("spec.command.name",
                          "command.name must be 1-64 characters from [A-Za-z0-9._-]");
    }
    if (s.command_args_json.empty()) s.command_args_json = "{}";
    if (s.command_args_json.front() != '{' || s.command_args_json.back() != '}') {
      return InvalidField("spec.command.args_json", "command.args_json must be a JSON object");
    }
  } else {
    if (s.artifact_id.empty()) return InvalidField("spec.artifact", "artifact is required");
    if (!s.command_name.empty()) {
      return InvalidField("spec.command", "only COMMAND campaigns take a command");
    }
  }
  const Targets& t = s.targets;
  if (t.device_ids.empty() == t.label_filter.empty()) {
    return InvalidField("spec.targets", "set exactly one of targets.device_ids and targets.label_filter");
  }
  if (static_cast<int>(t.device_ids.size()) > limits.max_targets) {
    return TooManyTargets(limits.max_targets);
  }
  std::set<std::string> ids;
  for (const std::string& id : t.device_ids) {
    if (absl::Status st = ids::ValidateDeviceId(id, "spec.targets.device_ids"); !st.ok()) return st;
    if (!ids.insert(id).second) {
      return InvalidField("spec.targets.device_ids", "duplicate device id " + id);
    }
  }
  if (t.include_new && t.label_filter.empty()) {
    return InvalidField("spec.targets.include_new", "include_new needs a label_filter");
  }
  if (t.label_filter.size() > 2048) {
    return InvalidField("spec.targets.label_filter", "label_filter is longer than 2048 bytes");
  }

  // When.
  if (!s.start_time.has_value()) s.start_time = now;
  if (*s.start_time < now - limits.start_time_past_slack) {
    return InvalidField("spec.start_time", "start_time is in the past");
  }
  if (s.window.has_value()) {
    const Window& w = *s.window;
    if (w.start_minute < 0 || w.start_minute >= 1440) {
      return InvalidField("spec.window.start_minute", "start_minute must be in 0..1439");
    }
    if (w.end_minute < 0 || w.end_minute >= 1440) {
      return InvalidField("spec.window.end_minute", "end_minute must be in 0..1439");
    }
    if (w.start_minute == w.end_minute) {
      return InvalidField("spec.window.end_minute", "the window must not be empty (start == end)");
    }
    absl::TimeZone tz;
    if (w.time_zone.empty() || !absl::LoadTimeZone(w.time_zone, &tz)) {
      return InvalidField("spec.window.time_zone",
                          "time_zone must be an IANA time zone such as Europe/Berlin");
    }
  }

  // How fast.
  if (s.batch_size < 1 || s.batch_size > limits.max_batch_size) {
    return InvalidField("spec.rollout.batch_size",
                        absl::StrCat("batch_size must be between 1 and ", limits.max_batch_size));
  }
  if (s.ramp_factor == 0) s.ramp_factor = 1;
  if (!(s.ramp_factor >= 1 && s.ramp_factor <= 10)) {
    return InvalidField("spec.rollout.ramp_factor", "ramp_factor must be between 1 and 10");
  }
  if (s.max_batch_size < 0 || s.max_batch_size > limits.max_batch_size) {
    return InvalidField("spec.rollout.max_batch_size",
                        absl::StrCat("max_batch_size must be between 0 and ", limits.max_batch_size));
  }
  if (s.max_batch_size != 0 && s.max_batch_size < s.batch_size) {
    return InvalidField("spec.rollout.max_batch_size", "max_batch_size must be at least batch_size");
  }
  if (s.ramp_factor == 1 && s.max_batch_size != 0 && s.max_batch_size != s.batch_size) {
    return InvalidField("spec.rollout.max_batch_size", "max_batch_size needs ramp_factor > 1");
  }
  if (s.batch_interval < absl::ZeroDuration() || s.batch_interval > absl::Hours(24 * 7)) {
    return InvalidField("spec.rollout.batch_interval", "batch_interval must be between 0 and 7 days");
  }
  if (s.max_in_flight < 0) {
    return InvalidField("spec.rollout.max_in_flight", "max_in_flight must not be negative");
  }
  if (s.max_in_flight == 0) s.max_in_flight = s.max_batch_size > 0 ? s.max_batch_size : s.batch_size;

  // How carefully.
  if (absl::Status st = CheckTimeout(&s.ack_timeout, absl::Minutes(2), limits, "spec.timeouts.ack"); !st.ok()) return st;
  if (absl::Status st = CheckTimeout(&s.download_timeout, absl::Minutes(30), limits, "spec.timeouts.download"); !st.ok()) return st;
  if (absl::Status st = CheckTimeout(&s.install_timeout, absl::Minutes(15), limits, "spec.timeouts.install"); !st.ok()) return st;
  if (absl::Status st = CheckTimeout(&s.reboot_timeout, absl::Minutes(10), limits, "spec.timeouts.reboot"); !st.ok()) return st;
  if (s.max_attempts == 0) s.max_attempts = 1;
  if (s.max_attempts < 1 || s.max_attempts > 10) {
    return InvalidField("spec.retry.max_attempts", "max_attempts must be between 1 and 10");
  }
  if (s.initial_backoff == absl::ZeroDuration()) s.initial_backoff = absl::Seconds(30);
  if (s.max_backoff == absl::ZeroDuration()) s.max_backoff = std::max(absl::Minutes(10), s.initial_backoff);
  if (s.initial_backoff < absl::Milliseconds(100) || s.initial_backoff > absl::Hours(24)) {
    return InvalidField("spec.retry.initial_backoff", "initial_backoff must be between 100ms and 24h");
  }
  if (s.max_backoff < s.initial_backoff || s.max_backoff > absl::Hours(24)) {
    return InvalidField("spec.retry.max_backoff", "max_backoff must be between initial_backoff and 24h");
  }
  if (absl::Status st = CheckThreshold(s.abort_per_batch, "spec.abort.per_batch"); !st.ok()) return st;
  if (absl::Status st = CheckThreshold(s.abort_overall, "spec.abort.overall"); !st.ok()) return st;
  return s;
}

int BatchSize(const CampaignSpec& spec, int index) {
  const double cap = spec.max_batch_size > 0 ? spec.max_batch_size : 1e9;
  const double size = std::min(cap, spec.batch_size * std::pow(std::max(1.0, spec.ramp_factor), index));
  if (!(size < 1e9)) return 1'000'000'000;
  return std::max(1, static_cast<int>(std::floor(size)));
}

absl::Duration Backoff(const CampaignSpec& spec, int attempt) {
  absl::Duration d = spec.initial_backoff;
  for (int i = 1; i < attempt && d < spec.max_backoff; ++i) d *= 2;
  return std::min(d, spec.max_backoff);
}

absl::Duration StepTimeout(const CampaignSpec& spec, ExecState state) {
  switch (state) {
    case ExecState::kSent: return spec.ack_timeout;
    case ExecState::kDownloading: return spec.download_timeout;
    case ExecState::kVerifying:
    case ExecState::kInstalling: return spec.install_timeout;
    case ExecState::kRebooting: return spec.reboot_timeout;
    default: return absl::InfiniteDuration();
  }
}

}  // namespace fleet::task
