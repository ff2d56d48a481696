#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "bff/auth/store.h"
#include "bff/router.h"
#include "bff/ssh/targets.h"
#include "libs/http/server.h"

namespace fleet::bff::ssh {

struct SshOptions {
  absl::Duration idle = absl::Seconds(600);  // --ssh_idle_seconds
  absl::Duration max = absl::Seconds(3600);  // --ssh_max_seconds
  int max_sessions = 50;                     // --ssh_max_sessions, per BFF replica
  absl::Duration connect_timeout = absl::Seconds(15);
  absl::Duration auth_timeout = absl::Seconds(60);  // for the client's first message
  absl::Duration tunnel_check_interval = absl::Seconds(30);
  absl::Duration backend_timeout = absl::Seconds(5);
};

// GET /v1/devices/{device}/ssh: a terminal in the page over a WebSocket, bridged to the device's
// SSH server through its OPEN tunnel. The policy (operator or admin) is enforced by the gate
// before Open runs; Open refuses with ordinary JSON errors before upgrading:
//   400 SSH_PROTOCOL_ERROR (not a WebSocket upgrade), 403 SSH_ORIGIN_MISMATCH (a session-cookie
//   caller whose Origin is missing or not this Host: cross-site WebSocket hijacking),
//   400 INVALID_FIELD (device id), 404 SSH_NO_TUNNEL, 400 SSH_NOT_IN_TUNNEL,
//   429 SSH_SESSION_LIMIT, tunnel service errors.
// Protocol after the upgrade (text frames are JSON, binary frames are terminal bytes):
//   client first: {"type":"auth","username":..,"password":..} or
//                 {"type":"auth","username":..,"privateKey":..,"passphrase":..}, plus "cols","rows"
//   server:       {"type":"ready","fingerprint":"SHA256:..","idleSeconds":N,"maxSeconds":M}
//              or {"type":"error","error":{"code":401,"status":"UNAUTHENTICATED","message":..,
//                  "reason":"SSH_AUTH_FAILED"}} and close
//   then binary both ways; client {"type":"resize","cols":C,"rows":R}; server
//   {"type":"closed","reason":"IDLE_TIMEOUT"|"MAX_DURATION"|"REMOTE_CLOSED"|"TUNNEL_CLOSED"|
//   "SERVER_SHUTDOWN"} before closing.
// Credentials live only in the session thread's memory until authentication and are never
// logged or audited. The audit log (when `audit` is set) gets "ssh.open" (device, actor, remote,
// fingerprint, SSH user; also failed attempts) and "ssh.close" (duration, bytes, reason).
// Thread-safe. The destructor ends every session (SERVER_SHUTDOWN) and waits for them.
class SshRoutes {
 public:
  SshRoutes(TargetResolver& targets, auth::Store* audit, SshOptions options);
  ~SshRoutes();
  SshRoutes(const SshRoutes&) = delete;
  SshRoutes& operator=(const SshRoutes&) = delete;

  void Register(Router& router);
  // Sessions running or being set up.
  int active_sessions() const;

  struct Shared;  // state shared with sessions and pending upgrades
  struct Pending;  // what Open learned, for the session

 private:
  http::Response Open(const http::Request& r, const std::string& device);
  void RunSession(std::unique_ptr<http::WebSocket> ws, const Pending& p, int64_t id);
  void Audit(const Pending& p, const char* method, const std::string& details, int status) const;

  TargetResolver& targets_;
  auth::Store* const audit_;
  const SshOptions options_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace fleet::bff::ssh
