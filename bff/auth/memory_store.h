#pragma once

#include <map>

#include "absl/synchronization/mutex.h"
#include "bff/auth/store.h"

namespace fleet::bff::auth {

// The reference Store: everything in maps under one mutex. For unit tests and for the
// contract test's model. Thread-safe.
class MemoryStore : public Store {
 public:
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

  // Test hook: make every call fail with `st` (OK = normal operation).
  void FailWith(absl::Status st);

 private:
  absl::Status CreateKeyLocked(const ApiKey& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, User> users_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ApiKey> keys_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> key_order_ ABSL_GUARDED_BY(mu_);
  std::vector<AuditEntry> audit_ ABSL_GUARDED_BY(mu_);
  std::vector<KeyCall> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::bff::auth
