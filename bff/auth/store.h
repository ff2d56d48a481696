#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bff/auth/model.h"

namespace fleet::bff::auth {

// Persistence of users, sessions, API keys, the audit log and the per-key call log.
// Implementations: MemoryStore (tests, reference model) and PgStore (PostgreSQL `fleet_bff`);
// store_contract_test runs the same scenarios against both.
//
// Thread-safe. Errors: NOT_FOUND (reason USER_NOT_FOUND / API_KEY_NOT_FOUND) for a missing
// row, ALREADY_EXISTS (USER_ALREADY_EXISTS) on a duplicate user, UNAVAILABLE when the backend
// cannot be reached.
class Store {
 public:
  virtual ~Store() = default;

  // Users.
  virtual absl::Status CreateUser(const User& user) = 0;
  // Creates `user` only when no user exists at all (atomically, also across processes).
  // Returns whether it was created.
  virtual absl::StatusOr<bool> CreateFirstUser(const User& user) = 0;
  virtual absl::StatusOr<User> GetUser(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<User>> ListUsers() = 0;
  // Replaces every field but id and create_time.
  virtual absl::Status UpdateUser(const User& user) = 0;
  // Also deletes the user's sessions.
  virtual absl::Status DeleteUser(const std::string& id) = 0;

  // Sessions (keyed by the token's hash).
  virtual absl::Status CreateSession(const Session& session) = 0;
  // NOT_FOUND (reason AUTH_INVALID) when absent.
  virtual absl::StatusOr<Session> GetSession(const std::string& token_hash) = 0;
  virtual absl::Status DeleteSession(const std::string& token_hash) = 0;  // OK when absent
  virtual absl::Status DeleteUserSessions(const std::string& user_id) = 0;
  virtual absl::Status DeleteExpiredSessions(absl::Time now) = 0;

  // API keys.
  virtual absl::Status CreateKey(const ApiKey& key) = 0;
  virtual absl::StatusOr<ApiKey> GetKey(const std::string& id) = 0;
  // Keys in creation order (id as tie-break); `after_id` continues after that key; at most
  // `limit`.
  virtual absl::StatusOr<std::vector<ApiKey>> ListKeys(const std::string& after_id, int limit) = 0;
  // Sets revoke_time unless already revoked; returns the key as stored afterwards.
  virtual absl::StatusOr<ApiKey> RevokeKey(const std::string& id, absl::Time when) = 0;
  // In one transaction: creates `fresh`, revokes `old_id` at `when` and points its
  // replaced_by at fresh.id. FAILED_PRECONDITION (AUTH_INVALID) when old is already revoked.
  virtual absl::Status RotateKey(const std::string& old_id, const ApiKey& fresh, absl::Time when) = 0;

  // Audit log; ListAudit returns newest first, entries with seq < before_seq (0 = from the
  // newest), only of `actor` when non-empty, at most `limit`.
  virtual absl::Status AppendAudit(const AuditEntry& entry) = 0;
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAudit(const std::string& actor, int64_t before_seq,
                                                            int limit) = 0;

  // Per-key call log, same paging as the audit log.
  virtual absl::Status AppendCalls(const std::vector<KeyCall>& calls) = 0;
  virtual absl::StatusOr<std::vector<KeyCall>> ListCalls(const std::string& key_id, int64_t before_seq,
                                                         int limit) = 0;
};

// Errors shared by the Store implementations.
absl::Status UserNotFound(const std::string& id);
absl::Status UserExists(const std::string& id);
absl::Status KeyNotFound(const std::string& id);
absl::Status SessionNotFound();
absl::Status KeyAlreadyRevoked(const std::string& id);

}  // namespace fleet::bff::auth
