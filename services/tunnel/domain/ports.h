#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/clock/clock.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/tunnel/domain/session.h"

// Interfaces the tunnel use cases need. storage/ (PostgreSQL) and the in-memory reference store
// implement the stores, edge/ (Kafka) implements DeviceChannel. Every method is thread-safe and
// returns UNAVAILABLE when its backend cannot be reached; no method throws.
namespace fleet::tunnel {

// What TunnelBroker::Open asks the store to do in one atomic step.
struct OpenPlan {
  // The new session: id, device, operator, state REQUESTED, token, times, and one service per
  // proxy with remote_port 0. The store fills server, public_address and the remote ports.
  Session session;
  // Servers to try, best first (see RankServers). Only ports in a candidate's current range
  // are leased.
  std::vector<FrpServer> candidates;
  // A released port may be leased again only if it was released at or before this time
  // (now - quarantine).
  absl::Time reusable_before;
  int operator_cap = 0;
  // The "open" record; the store fills server and ports.
  AuditRecord audit;
};

struct OpenOutcome {
  Session session;
  bool created = false;  // false: the device's existing live session was returned
};

// A change decided by the domain on the current, locked state of one session. Returns an error
// (nothing is written; the store returns it), std::nullopt (no change) or the audit record of
// the change it made to `session`. Only state, expire_time, step_deadline, close_time and
// close_reason may change. Runs inside the store's transaction: it must be quick and must not
// call the store.
using Mutation = std::function<absl::StatusOr<std::optional<AuditRecord>>(Session& session)>;

// Sessions with their leases and audit trail, shared by all replicas.
class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Atomically, even against other replicas:
  //  1. the device has a live session: returns it, created = false, nothing else happens;
  //  2. the operator has operator_cap live sessions or more: OperatorCapReached;
  //  3. leases one port per service on the first candidate that has enough allocatable ports
  //     (in its range, not leased, released at or before reusable_before), else PortsExhausted.
  //     Ports released longest ago are taken first (then lowest); services get them in
  //     ascending port order;
  //  4. stores the session, its leases and the audit record; created = true.
  // A live (server, port) is never leased twice.
  virtual absl::StatusOr<OpenOutcome> Open(const OpenPlan& plan) = 0;

  virtual absl::StatusOr<std::optional<Session>> Get(std::string_view id) = 0;

  struct Page {
    std::vector<Session> items;
    bool more = false;  // a further page exists
  };
  // Matching sessions newest first (create_time DESC, id DESC), strictly after `after`.
  virtual absl::StatusOr<Page> List(const SessionFilter& filter, const ListCursor& after,
                                    int limit) = 0;

  // Read-modify-write of one session under its row lock (concurrent writers wait). When `fn`
  // makes a change, the store writes the session, appends the audit record and, if the session
  // went from live to terminal, releases its leases at `now` (their ports enter quarantine).
  // Returns the session after `fn`; SessionNotFound for an unknown id.
  virtual absl::StatusOr<Session> Update(std::string_view id, absl::Time now,
                                         const Mutation& fn) = 0;

  // Applies `fn` like Update to up to `limit` live sessions that are due at `now`
  // (expire_time <= now or step_deadline <= now), earliest first. Sessions another sweeper
  // holds are skipped, so concurrent sweepers never handle one session twice. Returns the
  // sessions `fn` changed.
  virtual absl::StatusOr<std::vector<Session>> SweepDue(absl::Time now, int limit,
                                                        const Mutation& fn) = 0;

  // Sessions in REQUESTED, OPEN or CLOSING (for metrics).
  virtual absl::StatusOr<int64_t> CountLive() = 0;
};

// Remote ports of the frp servers.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Makes every port of every server's range allocatable. Idempotent and safe to run on
  // several replicas at once; ports that left a range are kept (with their history) but never
  // leased again while outside it.
  virtual absl::Status SyncPorts(const std::vector<FrpServer>& servers) = 0;

  // Per server name: ports in its range that are not leased and were released at or before
  // `reusable_before`. A snapshot: concurrent opens may take them.
  virtual absl::StatusOr<std::map<std::string, int64_t>> FreePorts(
      const std::vector<FrpServer>& servers, absl::Time reusable_before) = 0;

  // Every lease a session ever held, by port.
  virtual absl::StatusOr<std::vector<Lease>> SessionLeases(std::string_view session_id) = 0;

  // The live lease of (server, port), if any.
  virtual absl::StatusOr<std::optional<Lease>> LiveLease(std::string_view server, int port) = 0;
};

// Read side of the audit trail (the SessionStore appends atomically with each change).
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Oldest first.
  virtual absl::StatusOr<std::vector<AuditRecord>> SessionAudit(std::string_view session_id) = 0;
  // Newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<AuditRecord>> DeviceAudit(std::string_view device_id,
                                                               int limit) = 0;
};

// Everything the device's watchdog needs to write an frpc configuration.
struct StartRequest {
  std::string session_id;
  std::string device_id;
  std::string server_address;  // frps host
  int server_port = 0;         // frps bind port
  std::string server_token;    // frps auth token
  std::string session_token;   // one-time token the frps plugin checks on every proxy
  std::vector<ServicePort> proxies;
  absl::Duration auto_stop_in;  // frpc stops by itself after this
  absl::Time deadline;          // answer before this, or the session FAILS
};

// How requests reach devices (`tunnel.start` / `tunnel.stop` over Kafka). Sending does not
// wait for the answer: answers come back through TunnelBroker::OnStarted / OnStartFailed /
// OnStopped, possibly on another replica.
class DeviceChannel {
 public:
  virtual ~DeviceChannel() = default;
  virtual absl::Status SendStart(const StartRequest& request) = 0;
  virtual absl::Status SendStop(std::string_view device_id, std::string_view session_id,
                                std::string_view reason) = 0;
  // The session was extended: frpc must now stop by itself `auto_stop_in` from now.
  virtual absl::Status SendExtend(std::string_view device_id, std::string_view session_id,
                                  absl::Duration auto_stop_in) = 0;
};

using ::fleet::Clock;
using ::fleet::RealClock;

}  // namespace fleet::tunnel
