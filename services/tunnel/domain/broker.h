#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/tunnel/domain/ports.h"

namespace fleet::tunnel {

// A service a session can expose, and where frpc finds it on the device side.
struct ServiceSpec {
  std::string name;
  std::string local_ip;
  int local_port = 0;
};

// Policy of the broker. Validate() before use; immutable afterwards.
struct BrokerOptions {
  absl::Duration default_ttl = absl::Minutes(30);
  absl::Duration max_ttl = absl::Hours(4);        // per open and per extension
  absl::Duration max_lifetime = absl::Hours(12);  // expire_time - create_time, extensions included
  int operator_cap = 5;                           // live sessions per operator
  // Released ports are not leased again for this long. Must exceed frps' heartbeat timeout so a
  // stale frpc has been dropped by frps before its port goes to someone else.
  absl::Duration quarantine = absl::Minutes(3);
  absl::Duration frp_heartbeat_timeout = absl::Seconds(90);
  absl::Duration start_timeout = absl::Seconds(60);  // REQUESTED without answer -> FAILED
  // Free-port counts used to rank servers are read from the store at most this often (and
  // adjusted locally after each open); an exhaustion seen through them is re-checked with fresh
  // counts. Zero = read them on every open (one COUNT per server).
  absl::Duration free_ports_cache = absl::Seconds(1);
  absl::Duration stop_timeout = absl::Seconds(30);   // CLOSING without answer -> CLOSED
  // The device stops frpc by itself this long after the TTL, if no stop reached it.
  absl::Duration auto_stop_grace = absl::Minutes(2);
  std::string ssh_user = "root";
  std::vector<ServiceSpec> services = {
      {"ssh", "127.0.0.1", 22}, {"web", "127.0.0.1", 80}, {"camera", "192.168.1.64", 80}};

  // INVALID_ARGUMENT naming the option.
  absl::Status Validate() const;
};

struct OpenRequest {
  std::string device_id;
  std::string operator_id;
  std::vector<std::string> services;  // empty = all configured services
  absl::Duration ttl;                 // zero = default_ttl
};

struct OpenResult {
  Session session;
  bool created = false;  // false: the device's live session was returned
};

struct ListRequest {
  SessionFilter filter;
  int page_size = 0;  // 0 = default
  std::string page_token;
};

struct ListResponse {
  std::vector<Session> items;
  std::string next_page_token;
};

// The tunnel use cases. Thread-safe; every replica runs one and they cooperate through the
// stores. Errors are absl::Status with a TunnelErrorReason (or common) reason.
class TunnelBroker {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;

  // `options` and `servers` must be valid (Validate, ValidatePool). `channel` may be null: then
  // no request reaches devices and sessions stay REQUESTED until their start deadline.
  TunnelBroker(BrokerOptions options, std::vector<FrpServer> servers, SessionStore& sessions,
               LeaseStore& leases, Clock& clock, DeviceChannel* channel);

  // Opens a session (see fleet.tunnel.v1.TunnelService.OpenTunnel): validates, ranks servers,
  // leases ports atomically, audits, then sends tunnel.start. If sending fails the session is
  // marked FAILED and the send error returned.
  absl::StatusOr<OpenResult> Open(const OpenRequest& request);
  // `name` is "tunnels/{id}" or a bare id.
  absl::StatusOr<Session> Get(std::string_view name);
  absl::StatusOr<ListResponse> List(const ListRequest& request);
  // expire_time += extension (zero = default_ttl); then tells the device (tunnel.extend, best
  // effort) so that frpc's own stop moves to the new expire_time + auto_stop_grace.
  absl::StatusOr<Session> Extend(std::string_view name, absl::Duration extension,
                                 std::string_view actor);
  // REQUESTED/OPEN -> CLOSING and sends tunnel.stop (a send failure is tolerated: the device
  // auto-stops and the sweep completes the close). CLOSING or ended: returned unchanged.
  absl::StatusOr<Session> Close(std::string_view name, std::string_view actor,
                                std::string_view reason);

  // Device answers (from edge/). Each returns the session after the change; an answer that no
  // longer fits the state changes nothing (the caller sends a stop when the session ended).
  absl::StatusOr<Session> OnStarted(std::string_view id);                          // -> OPEN
  absl::StatusOr<Session> OnStartFailed(std::string_view id, std::string_view why);  // -> FAILED
  // -> CLOSED; on an ended session it records that frpc stopped (Session::frpc_stopped).
  absl::StatusOr<Session> OnStopped(std::string_view id);

  // The device came online (fleet.presence). If its newest session ended without the device
  // confirming frpc stopped, and frpc may still run (before expire_time + auto_stop_grace), sends
  // that session a tunnel.stop and returns it; otherwise nothing (nullopt). Idempotent enough to
  // run on every online transition: once the device answers the stop, nothing more is sent.
  absl::StatusOr<std::optional<Session>> OnDeviceOnline(std::string_view device_id);

  // One sweep of up to `limit` due sessions: TTL passed -> EXPIRED; REQUESTED past its start
  // deadline -> FAILED; CLOSING past its stop deadline -> CLOSED (when both a step deadline and
  // the TTL passed, the earlier one decides). Sends a stop to devices of
  // sessions that expired or failed (best effort). Safe on every replica at once. Returns the
  // sessions it ended.
  absl::StatusOr<std::vector<Session>> SweepExpired(int limit);

  // For metrics: live sessions, and per frp server its free and total ports (free counted now).
  struct PoolStats {
    int64_t live_sessions = 0;
    std::map<std::string, int64_t> free_ports, total_ports;
  };
  absl::StatusOr<PoolStats> Stats();

  // "ssh -p PORT USER@HOST", or "" when the session has no ssh service.
  std::string SshCommand(const Session& session) const;

  // Page token codec, exposed for tests.
  static std::string EncodePageToken(const SessionFilter& filter, const ListCursor& after);

 private:
  absl::StatusOr<Session> Mutate(std::string_view name, const Mutation& fn);
  AuditRecord Audit(const Session& s, std::string_view actor, std::string_view action,
                    std::string_view reason, absl::Time now) const;
  std::string NewId(int bytes);

  const BrokerOptions options_;
  const std::vector<FrpServer> servers_;
  SessionStore& sessions_;
  LeaseStore& leases_;
  Clock& clock_;
  DeviceChannel* const channel_;

  // Free ports per server (see BrokerOptions::free_ports_cache). In: *fresh = must count now;
  // out: whether these counts were just read from the store.
  absl::StatusOr<std::map<std::string, int64_t>> FreePorts(absl::Time reusable_before, bool* fresh);
  void TookPorts(const std::string& server, int64_t n);
  absl::Mutex free_mu_;
  std::map<std::string, int64_t> free_ ABSL_GUARDED_BY(free_mu_);
  absl::Time free_time_ ABSL_GUARDED_BY(free_mu_) = absl::InfinitePast();
};

// "tunnels/{id}" or "{id}" -> id; INVALID_ARGUMENT for anything else.
absl::StatusOr<std::string> ParseSessionName(std::string_view name);

}  // namespace fleet::tunnel
