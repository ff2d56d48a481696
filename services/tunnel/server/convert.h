#pragma once

#include <optional>
#include <string>

#include "fleet/tunnel/v1/tunnel.pb.h"
#include "services/tunnel/domain/session.h"

// Domain <-> proto conversions of the tunnel API. Pure, thread-safe.
namespace fleet::tunnel {

// Fills `out` from `in`; `ssh_command` as computed by the broker. The session token is never
// copied: operators do not need it.
void ToProto(const Session& in, const std::string& ssh_command, v1::Session* out);

v1::State ToProto(SessionState s);
// nullopt for STATE_UNSPECIFIED (= no filter) and unknown values.
std::optional<SessionState> FromProto(v1::State s);

}  // namespace fleet::tunnel
