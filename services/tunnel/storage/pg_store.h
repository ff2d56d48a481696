#pragma once

#include "libs/pg/pool.h"
#include "services/tunnel/domain/ports.h"

namespace fleet::tunnel {

// SessionStore, LeaseStore and AuditLog on PostgreSQL (schema: pg_schema.h, apply
// TunnelMigrations first). Thread-safe; any number of replicas may share one database:
//  - Open takes transaction-scoped advisory locks on the operator, then the device (always in
//    that order, so opens never deadlock), which makes "one live session per device" and the
//    operator cap exact; ports are claimed with FOR UPDATE SKIP LOCKED on tunnel_ports, so
//    concurrent opens never wait for each other's ports and never take the same one.
//  - Update locks the session row (FOR UPDATE); SweepDue locks due rows with SKIP LOCKED, so
//    concurrent sweepers split the work and a session ends exactly once.
// Errors as mapped by pg::Pool (UNAVAILABLE when the database is unreachable, ABORTED on a
// serialization failure or deadlock: retry).
class PgStore : public SessionStore, public LeaseStore, public AuditLog {
 public:
  // Registers the named statements on `pool`, which must outlive the store.
  explicit PgStore(pg::Pool& pool);

  absl::StatusOr<OpenOutcome> Open(const OpenPlan& plan) override;
  absl::StatusOr<std::optional<Session>> Get(std::string_view id) override;
  absl::StatusOr<Page> List(const SessionFilter& filter, const ListCursor& after,
                            int limit) override;
  absl::StatusOr<Session> Update(std::string_view id, absl::Time now, const Mutation& fn) override;
  absl::StatusOr<int64_t> CountLive() override;
  absl::StatusOr<std::vector<Session>> SweepDue(absl::Time now, int limit,
                                                const Mutation& fn) override;

  absl::Status SyncPorts(const std::vector<FrpServer>& servers) override;
  absl::StatusOr<std::map<std::string, int64_t>> FreePorts(const std::vector<FrpServer>& servers,
                                                           absl::Time reusable_before) override;
  absl::StatusOr<std::vector<Lease>> SessionLeases(std::string_view session_id) override;
  absl::StatusOr<std::optional<Lease>> LiveLease(std::string_view server, int port) override;

  absl::StatusOr<std::vector<AuditRecord>> SessionAudit(std::string_view session_id) override;
  absl::StatusOr<std::vector<AuditRecord>> DeviceAudit(std::string_view device_id,
                                                       int limit) override;

 private:
  pg::Pool& pool_;
};

}  // namespace fleet::tunnel
