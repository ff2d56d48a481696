#include "services/task/domain/execution_machine.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/task/domain/spec.h"

namespace fleet::task {
namespace {

// Position on the happy path; -1 off it.
int Rank(ExecState s) {
  switch (s) {
    case ExecState::kQueued: return 0;
    case ExecState::kSent: return 1;
    case ExecState::kDownloading: return 2;
    case ExecState::kVerifying: return 3;
    case ExecState::kInstalling: return 4;
    case ExecState::kRebooting: return 5;
    case ExecState::kSucceeded: return 6;
    default: return -1;
  }
}

Event StateEvent(const Execution& e, absl::Time now, std::string message) {
  Event ev;
  ev.at = now;
  ev.campaign_id = e.campaign_id;
  ev.device_id = e.device_id;
  ev.attempt = e.attempt;
  ev.kind = Event::Kind::kState;
  ev.state = e.state;
  ev.percent = e.percent;
  ev.message = std::move(message);
  return ev;
}

Event LogEvent(const Execution& e, absl::Time now, std::string_view line) {
  Event ev = StateEvent(e, now, std::string(line));
  ev.kind = Event::Kind::kLog;
  return ev;
}

void Enter(Execution& e, ExecState s, absl::Time now, absl::Duration timeout) {
  e.state = s;
  e.state_time = now;
  e.deadline = timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : now + timeout;
}

// The attempt failed (FAILED or TIMED_OUT): final, or queued again after a back-off.
std::vector<Event> FailAttempt(Execution& e, const ExecContext& c, ExecState how,
                               std::string reason, absl::Time now) {
  std::vector<Event> out;
  e.reason = reason;
  Enter(e, how, now, absl::InfiniteDuration());
  out.push_back(StateEvent(e, now, reason));
  if (c.retries_allowed && c.spec != nullptr && e.attempt < c.spec->max_attempts) {
    const absl::Duration wait = Backoff(*c.spec, e.attempt);
    Enter(e, ExecState::kQueued, now, absl::InfiniteDuration());
    e.not_before = now + wait;
    e.percent = 0;
    out.push_back(StateEvent(e, now, absl::StrCat("retry ", e.attempt + 1, " of ",
                                                  c.spec->max_attempts, " in ",
                                                  absl::FormatDuration(wait))));
  }
  return out;
}

bool Current(const Execution& e, int attempt) { return attempt == e.attempt && IsInFlight(e.state); }

}  // namespace

std::string RequestId(int64_t execution_id, int attempt) {
  return absl::StrCat("task-", execution_id, "-", attempt);
}

std::optional<RequestRef> ParseRequestId(std::string_view id) {
  if (id.substr(0, 5) != "task-") return std::nullopt;
  id.remove_prefix(5);
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  RequestRef r;
  if (!absl::SimpleAtoi(absl::string_view(id.data(), dash), &r.execution_id) ||
      !absl::SimpleAtoi(absl::string_view(id.data() + dash + 1, id.size() - dash - 1), &r.attempt) ||
      r.execution_id <= 0 || r.attempt <= 0) {
    return std::nullopt;
  }
  return r;
}

std::vector<Event> MarkSent(Execution& e, const ExecContext& c, int batch, absl::Time now) {
  if (e.state != ExecState::kQueued) return {};
  ++e.attempt;
  e.request_id = RequestId(e.id, e.attempt);
  if (e.batch < 0) {
    e.batch = batch;
    e.sent_time = now;
  }
  e.percent = 0;
  Enter(e, ExecState::kSent, now, c.spec != nullptr ? c.spec->ack_timeout : absl::Minutes(2));
  e.not_before = absl::InfinitePast();
  return {StateEvent(e, now, absl::StrCat("attempt ", e.attempt, " sent in batch ", e.batch,
                                          " as ", e.request_id))};
}

std::vector<Event> MarkSkipped(Execution& e, std::string_view reason, absl::Time now) {
  if (e.state != ExecState::kQueued) return {};
  e.reason = std::string(reason);
  Enter(e, ExecState::kSkipped, now, absl::InfiniteDuration());
  return {StateEvent(e, now, e.reason)};
}

std::vector<Event> MarkCanceled(Execution& e, std::string_view reason, absl::Time now) {
  if (e.state != ExecState::kQueued) return {};
  e.reason = std::string(reason);
  Enter(e, ExecState::kCanceled, now, absl::InfiniteDuration());
  return {StateEvent(e, now, e.reason)};
}

std::vector<Event> OnResponse(Execution& e, const ExecContext& c, int attempt, int code,
                              std::string_view detail, absl::Time now) {
  if (!Current(e, attempt)) return {};
  const bool ok = code >= 200 && code < 300;
  if (!ok) {
    std::vector<Event> out;
    if (!detail.empty()) out.push_back(LogEvent(e, now, detail));
    std::vector<Event> failed = FailAttempt(
        e, c, ExecState::kFailed,
        absl::StrCat("device answered ", code, detail.empty() ? "" : ": ", std::string(detail)), now);
    out.insert(out.end(), failed.begin(), failed.end());
    return out;
  }
  if (c.kind == CampaignKind::kCommand) {
    std::vector<Event> out;
    if (!detail.empty()) out.push_back(LogEvent(e, now, detail));
    e.percent = 100;
    e.reason.clear();
    Enter(e, ExecState::kSucceeded, now, absl::InfiniteDuration());
    out.push_back(StateEvent(e, now, absl::StrCat("command answered ", code)));
    return out;
  }
  return {LogEvent(e, now, absl::StrCat("device accepted the request (", code, ")"))};
}

std::vector<Event> OnProgress(Execution& e, const ExecContext& c, const Progress& p,
                              absl::Time now) {
  if (!Current(e, p.attempt)) return {};
  std::vector<Event> out;
  if (!p.message.empty()) out.push_back(LogEvent(e, now, p.message));
  if (p.state == ExecState::kFailed) {
    std::vector<Event> failed = FailAttempt(
        e, c, ExecState::kFailed, p.message.empty() ? "device reported failure" : p.message, now);
    out.insert(out.end(), failed.begin(), failed.end());
    return out;
  }
  ExecState to = p.state;
  if (to == ExecState::kSucceeded) {
    if (c.kind == CampaignKind::kMcu && !p.version.empty() && p.version == e.target_version) {
      e.percent = 100;
      e.reason.clear();
      Enter(e, ExecState::kSucceeded, now, absl::InfiniteDuration());
      out.push_back(StateEvent(e, now, "device reports version " + p.version));
      return out;
    }
    // The device's word alone does not finish an upgrade: wait for the reported version.
    to = ExecState::kRebooting;
  }
  if (Rank(to) < Rank(ExecState::kDownloading) || Rank(to) > Rank(ExecState::kRebooting)) return out;
  if (Rank(to) < Rank(e.state)) return out;  // late or reordered report
  if (to == e.state) {
    if (p.percent > e.percent && p.percent <= 100) {
      e.percent = p.percent;
      out.push_back(StateEvent(e, now, ""));
    }
    return out;
  }
  if (p.percent >= 0 && p.percent <= 100) e.percent = std::max(e.percent, p.percent);
  if (Rank(to) > Rank(ExecState::kDownloading)) e.percent = 100;
  Enter(e, to, now, c.spec != nullptr ? StepTimeout(*c.spec, to) : absl::InfiniteDuration());
  out.push_back(StateEvent(e, now, ""));
  return out;
}

std::vector<Event> OnLog(Execution& e, int attempt, std::string_view line, absl::Time now) {
  if (attempt != e.attempt || line.empty()) return {};
  return {LogEvent(e, now, line)};
}

std::vector<Event> OnVersionReported(Execution& e, std::string_view version, absl::Time now) {
  if (e.state != ExecState::kInstalling && e.state != ExecState::kRebooting) return {};
  if (e.target_version.empty() || version != e.target_version) return {};
  e.percent = 100;
  e.reason.clear();
  Enter(e, ExecState::kSucceeded, now, absl::InfiniteDuration());
  return {StateEvent(e, now, absl::StrCat("confirmed: device reports version ", std::string(version)))};
}

std::vector<Event> OnDeadline(Execution& e, const ExecContext& c, absl::Time now) {
  if (!IsInFlight(e.state) || e.deadline > now) return {};
  std::string why;
  switch (e.state) {
    case ExecState::kSent: why = "no answer to the request"; break;
    case ExecState::kRebooting:
      why = absl::StrCat("device did not come back reporting version ", e.target_version);
      break;
    default: why = absl::StrCat("no progress while ", absl::AsciiStrToLower(std::string(Name(e.state))));
  }
  const absl::Duration step = c.spec != nullptr ? StepTimeout(*c.spec, e.state) : absl::ZeroDuration();
  absl::StrAppend(&why, " within ", absl::FormatDuration(step));
  return FailAttempt(e, c, ExecState::kTimedOut, why, now);
}

}  // namespace fleet::task
