#include "services/tunnel/domain/errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel {

absl::Status PortsExhausted(int needed) {
  return status::MakeError(
      absl::StatusCode::kResourceExhausted, "TUNNEL_PORTS_EXHAUSTED",
      absl::StrCat("no frp server has ", needed, " free remote ports; retry later"),
      {{"needed", absl::StrCat(needed)}});
}

absl::Status OperatorCapReached(std::string_view operator_id, int cap) {
  return status::MakeError(
      absl::StatusCode::kResourceExhausted, "TUNNEL_OPERATOR_CAP",
      absl::StrCat("operator \"", std::string(operator_id), "\" already has ", cap,
                   " live tunnels; close one first"),
      {{"operator", std::string(operator_id)}, {"cap", absl::StrCat(cap)}});
}

absl::Status SessionNotFound(std::string_view id) {
  return status::MakeError(absl::StatusCode::kNotFound, "TUNNEL_NOT_FOUND",
                           absl::StrCat("tunnel \"", std::string(id), "\" does not exist"),
                           {{"tunnel", std::string(id)}});
}

absl::Status SessionEnded(SessionState state) {
  return status::MakeError(
      absl::StatusCode::kFailedPrecondition, "TUNNEL_CLOSED",
      absl::StrCat("the tunnel is ", StateName(state), "; open a new one"),
      {{"state", StateName(state)}});
}

}  // namespace fleet::tunnel
