#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "services/tunnel/domain/session.h"

// The session state machine. Pure functions, thread-safe.
//
//   REQUESTED -> OPEN        device started frpc
//   REQUESTED -> FAILED      device refused, or did not answer before the step deadline
//   REQUESTED -> CLOSING     closed before the device answered
//   REQUESTED -> EXPIRED     TTL ran out
//   OPEN      -> CLOSING     close requested (stop sent)
//   OPEN      -> EXPIRED     TTL ran out
//   CLOSING   -> CLOSED      device stopped, or the stop deadline passed
//   CLOSING   -> EXPIRED     TTL ran out while closing
// CLOSED, FAILED and EXPIRED are terminal; nothing leaves them. No state moves to itself.
namespace fleet::tunnel {

// REQUESTED, OPEN and CLOSING: the session holds its ports.
bool IsLive(SessionState s);
bool IsTerminal(SessionState s);

// OK, or FAILED_PRECONDITION with reason TUNNEL_INVALID_TRANSITION (metadata from, to) — or
// TUNNEL_CLOSED when `from` is terminal.
absl::Status CheckTransition(SessionState from, SessionState to);

// "REQUESTED", "OPEN", ... (the proto enum value names).
const char* StateName(SessionState s);
std::optional<SessionState> ParseState(std::string_view name);

}  // namespace fleet::tunnel
