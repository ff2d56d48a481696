#include "services/tunnel/domain/proxy_gate.h"

#include "absl/strings/str_cat.h"

namespace fleet::tunnel {
namespace {

GateVerdict Reject(std::string why) { return GateVerdict{false, std::move(why)}; }

bool Usable(SessionState s) { return s == SessionState::kRequested || s == SessionState::kOpen; }

}  // namespace

bool SecretEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

absl::StatusOr<GateVerdict> ProxyGate::CheckNewProxy(std::string_view server,
                                                     std::string_view device_id, int remote_port,
                                                     std::string_view session_token) {
  if (device_id.empty() || session_token.empty()) {
    return Reject("device id and session token are required");
  }
  absl::StatusOr<std::optional<Lease>> lease = leases_.LiveLease(server, remote_port);
  if (!lease.ok()) return lease.status();
  if (!lease->has_value() || (*lease)->device_id != device_id) {
    return Reject(absl::StrCat("port ", remote_port, " is not leased to this device"));
  }
  absl::StatusOr<std::optional<Session>> session = sessions_.Get((*lease)->session_id);
  if (!session.ok()) return session.status();
  if (!session->has_value() || !Usable((*session)->state)) return Reject("the session is not open");
  if (!SecretEquals((*session)->token, session_token)) return Reject("wrong session token");
  return GateVerdict{true, ""};
}

absl::StatusOr<GateVerdict> ProxyGate::CheckLogin(std::string_view server, std::string_view device_id,
                                                  std::string_view session_token) {
  if (device_id.empty() || session_token.empty()) {
    return Reject("device id and session token are required");
  }
  SessionFilter filter;
  filter.device_id = std::string(device_id);
  // At most one live session per device; a few recent ones are plenty to find it.
  absl::StatusOr<SessionStore::Page> page = sessions_.List(filter, ListCursor{}, 5);
  if (!page.ok()) return page.status();
  for (const Session& s : page->items) {
    if (s.server == server && Usable(s.state) && SecretEquals(s.token, session_token)) {
      return GateVerdict{true, ""};
    }
  }
  return Reject("no open session of this device on this server matches the token");
}

}  // namespace fleet::tunnel
