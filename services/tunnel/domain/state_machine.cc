#include "services/tunnel/domain/state_machine.h"

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/tunnel/domain/errors.h"

namespace fleet::tunnel {

bool IsLive(SessionState s) {
  return s == SessionState::kRequested || s == SessionState::kOpen || s == SessionState::kClosing;
}

bool IsTerminal(SessionState s) { return !IsLive(s); }

absl::Status CheckTransition(SessionState from, SessionState to) {
  using S = SessionState;
  bool ok = false;
  switch (from) {
    case S::kRequested:
      ok = to == S::kOpen || to == S::kFailed || to == S::kClosing || to == S::kExpired;
      break;
    case S::kOpen:
      ok = to == S::kClosing || to == S::kExpired;
      break;
    case S::kClosing:
      ok = to == S::kClosed || to == S::kExpired;
      break;
    case S::kClosed:
    case S::kFailed:
    case S::kExpired:
      return SessionEnded(from);
  }
  if (ok) return absl::OkStatus();
  return status::MakeError(
      absl::StatusCode::kFailedPrecondition, "TUNNEL_INVALID_TRANSITION",
      absl::StrCat("a session cannot go from ", StateName(from), " to ", StateName(to)),
      {{"from", StateName(from)}, {"to", StateName(to)}});
}

const char* StateName(SessionState s) {
  switch (s) {
    case SessionState::kRequested: return "REQUESTED";
    case SessionState::kOpen: return "OPEN";
    case SessionState::kClosing: return "CLOSING";
    case SessionState::kClosed: return "CLOSED";
    case SessionState::kFailed: return "FAILED";
    case SessionState::kExpired: return "EXPIRED";
  }
  return "UNKNOWN";
}

std::optional<SessionState> ParseState(std::string_view name) {
  for (SessionState s : {SessionState::kRequested, SessionState::kOpen, SessionState::kClosing,
                         SessionState::kClosed, SessionState::kFailed, SessionState::kExpired}) {
    if (name == StateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace fleet::tunnel
