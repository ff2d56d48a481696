#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/tunnel/domain/ports.h"

namespace fleet::tunnel {

// In-memory reference implementation of SessionStore, LeaseStore and AuditLog: the model the
// PostgreSQL store is checked against (storage/store_contract_test) and the fake for unit tests.
// Thread-safe: one mutex, so every operation is atomic.
class MemoryStore : public SessionStore, public LeaseStore, public AuditLog {
 public:
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

  // Test hook: make every call fail with `status` (OK to heal).
  void FailWith(absl::Status status);

 private:
  using PortKey = std::pair<std::string, int>;
  struct Port {
    bool leased = false;
    absl::Time released_at = absl::InfinitePast();
  };
  bool Allocatable(const PortKey& key, const Port& p, absl::Time reusable_before) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::optional<Session>> Apply(Session& s, absl::Time now, const Mutation& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<PortKey, Port> ports_ ABSL_GUARDED_BY(mu_);
  std::vector<Lease> leases_ ABSL_GUARDED_BY(mu_);
  std::vector<AuditRecord> audit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::tunnel
