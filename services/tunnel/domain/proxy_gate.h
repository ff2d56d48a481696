#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/tunnel/domain/ports.h"

namespace fleet::tunnel {

// The decision on one frps operation.
struct GateVerdict {
  bool allow = false;
  std::string reason;  // why it was rejected (shown to frpc by frps)
};

// Decides which frpc may log in to an frp server and which proxies it may open there, from the
// leases: a proxy is accepted only when its (server, remote port) has a live lease of a session
// in REQUESTED or OPEN whose device and one-time token match. Thread-safe; store errors are
// returned as they are (UNAVAILABLE), never turned into an "allow".
class ProxyGate {
 public:
  ProxyGate(SessionStore& sessions, LeaseStore& leases) : sessions_(sessions), leases_(leases) {}

  absl::StatusOr<GateVerdict> CheckNewProxy(std::string_view server, std::string_view device_id,
                                            int remote_port, std::string_view session_token);
  // Login: the device has a REQUESTED or OPEN session on `server` with this token.
  absl::StatusOr<GateVerdict> CheckLogin(std::string_view server, std::string_view device_id,
                                         std::string_view session_token);

 private:
  SessionStore& sessions_;
  LeaseStore& leases_;
};

// Constant-time comparison of secrets (length may leak).
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace fleet::tunnel
