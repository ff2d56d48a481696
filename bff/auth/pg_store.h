#pragma once

#include <vector>

#include "bff/auth/store.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"

namespace fleet::bff::auth {

// The BFF's schema (database fleet_bff): users, sessions, api_keys, audit_log, api_key_calls.
const std::vector<pg::Migration>& BffMigrations();

// Store on PostgreSQL. The pool must be migrated with BffMigrations() first. Thread-safe;
// errors as pg::Pool maps them (UNAVAILABLE when the database cannot be reached).
class PgStore : public Store {
 public:
  explicit PgStore(pg::Pool& pool);

  absl::Status CreateUser(const User& user) override;
  absl::StatusOr<bool> CreateFirstUser(const User& user) override;
  absl::StatusOr<User> GetUser(const std::string& id) override;
  absl::StatusOr<std::vector<User>> ListUsers() override;
  absl::Status UpdateUser(const User& user) override;
  absl::Status DeleteUser(const std::string& id) override;
  absl::Status CreateSession(const Session& session) override;
  absl::StatusOr<Session> GetSession(const std::string& token_hash) override;
  absl::Status DeleteSession(const std::string& token_hash) override;
  absl::Status DeleteUserSessions(const std::string& user_id) override;
  absl::Status DeleteExpiredSessions(absl::Time now) override;
  absl::Status CreateKey(const ApiKey& key) override;
  absl::StatusOr<ApiKey> GetKey(const std::string& id) override;
  absl::StatusOr<std::vector<ApiKey>> ListKeys(const std::string& after_id, int limit) override;
  absl::StatusOr<ApiKey> RevokeKey(const std::string& id, absl::Time when) override;
  absl::Status RotateKey(const std::string& old_id, const ApiKey& fresh, absl::Time when) override;
  absl::Status AppendAudit(const AuditEntry& entry) override;
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(const std::string& actor, int64_t before_seq,
                                                    int limit) override;
  absl::Status AppendCalls(const std::vector<KeyCall>& calls) override;
  absl::StatusOr<std::vector<KeyCall>> ListCalls(const std::string& key_id, int64_t before_seq,
                                                 int limit) override;

 private:
  pg::Pool& pool_;
};

}  // namespace fleet::bff::auth
