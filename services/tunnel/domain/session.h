#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

// Entities of the tunnel service. Plain values, no behaviour beyond naming.
namespace fleet::tunnel {

// REQUESTED -> OPEN -> CLOSING -> CLOSED, plus FAILED and EXPIRED (see state_machine.h).
enum class SessionState { kRequested, kOpen, kClosing, kClosed, kFailed, kExpired };

// One frpc proxy: device-side address and the port leased on the frp server.
struct ServicePort {
  std::string name;  // "ssh", "web", "camera"
  std::string local_ip;
  int local_port = 0;
  int remote_port = 0;  // 0 until ports are leased
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

struct Session {
  std::string id;  // resource name "tunnels/{id}"
  std::string device_id;
  std::string operator_id;
  SessionState state = SessionState::kRequested;
  std::string server;          // frp server name
  std::string public_address;  // frp server public host
  std::vector<ServicePort> services;
  // Secret the frps plugin checks (device, port, token must match a live lease). Never shown
  // to operators.
  std::string token;
  absl::Time create_time;
  absl::Time expire_time;
  // Deadline of the current step: the device's answer to start (REQUESTED) or stop (CLOSING).
  absl::Time step_deadline = absl::InfiniteFuture();
  std::optional<absl::Time> close_time;  // set when the session ended
  std::string close_reason;
  // The device confirmed that frpc is not running for this session (it answered the stop, or
  // refused the start). An ended session without it may have a stale frpc on the device, which
  // gets a stop when it comes back online (TunnelBroker::OnDeviceOnline).
  bool frpc_stopped = false;
  friend bool operator==(const Session&, const Session&) = default;
};

// One (server, port) held by a session. Live while released_at is unset.
struct Lease {
  std::string server;
  int port = 0;
  std::string session_id;
  std::string device_id;
  std::string service;
  absl::Time leased_at;
  std::optional<absl::Time> released_at;
  friend bool operator==(const Lease&, const Lease&) = default;
};

// An frp server of the pool, from configuration.
struct FrpServer {
  enum class Mode { kEnabled, kDraining, kDisabled };
  std::string name;            // unique, stable: leases refer to it
  std::string public_address;  // host operators and devices connect to
  int bind_port = 7000;        // frps bind_port (frpc server_port)
  std::string token_ref;       // where the auth token comes from, e.g. "env:FRP_TOKEN_A"
  std::string token;           // resolved at startup; never logged
  int port_min = 0;            // remote port range, inclusive
  int port_max = 0;
  int weight = 1;              // relative share of new sessions
  // Draining and disabled servers take no new sessions; live sessions on them run on.
  Mode mode = Mode::kEnabled;

  int PortCount() const { return port_max - port_min + 1; }
};

// One audited change: who did what to which session, with which ports, why and when.
struct AuditRecord {
  std::string session_id;
  std::string device_id;
  std::string actor;   // operator, or "system" for sweeps and device answers
  std::string action;  // "open", "opened", "extend", "close", "closed", "fail", "expire"
  std::string server;
  std::vector<int> ports;
  std::string reason;
  absl::Time at;
  absl::Time expire_time;  // the session's expiry after the change
  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

// Filter of List; empty fields match everything.
struct SessionFilter {
  std::string device_id;
  std::string operator_id;
  std::optional<SessionState> state;
};

// Position in the newest-first listing order (create_time DESC, id DESC).
struct ListCursor {
  absl::Time create_time = absl::InfiniteFuture();
  std::string id;
};

}  // namespace fleet::tunnel
