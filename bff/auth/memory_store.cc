#include "bff/auth/memory_store.h"

#include <algorithm>

#include "libs/status/status.h"

namespace fleet::bff::auth {

#define FLEET_RETURN_IF_FAILING() \
  if (!fail_.ok()) return fail_

void MemoryStore::FailWith(absl::Status st) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(st);
}

absl::Status MemoryStore::CreateUser(const User& user) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  if (!users_.emplace(user.id, user).second) return UserExists(user.id);
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStore::CreateFirstUser(const User& user) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  if (!users_.empty()) return false;
  users_.emplace(user.id, user);
  return true;
}

absl::StatusOr<User> MemoryStore::GetUser(const std::string& id) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = users_.find(id);
  if (it == users_.end()) return UserNotFound(id);
  return it->second;
}

absl::StatusOr<std::vector<User>> MemoryStore::ListUsers() {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  std::vector<User> out;
  for (const auto& [id, u] : users_) out.push_back(u);
  return out;
}

absl::Status MemoryStore::UpdateUser(const User& user) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = users_.find(user.id);
  if (it == users_.end()) return UserNotFound(user.id);
  User u = user;
  u.create_time = it->second.create_time;
  it->second = u;
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteUser(const std::string& id) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  if (users_.erase(id) == 0) return UserNotFound(id);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.user_id == id ? sessions_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateSession(const Session& session) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  if (!users_.count(session.user_id)) return UserNotFound(session.user_id);
  sessions_[session.token_hash] = session;
  return absl::OkStatus();
}

absl::StatusOr<Session> MemoryStore::GetSession(const std::string& token_hash) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = sessions_.find(token_hash);
  if (it == sessions_.end()) return SessionNotFound();
  return it->second;
}

absl::Status MemoryStore::DeleteSession(const std::string& token_hash) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  sessions_.erase(token_hash);
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteUserSessions(const std::string& user_id) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.user_id == user_id ? sessions_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteExpiredSessions(absl::Time now) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expire_time <= now ? sessions_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateKeyLocked(const ApiKey& key) {
  if (!keys_.emplace(key.id, key).second) {
    return absl::AlreadyExistsError("API key id collision");
  }
  key_order_.push_back(key.id);
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateKey(const ApiKey& key) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  return CreateKeyLocked(key);
}

absl::StatusOr<ApiKey> MemoryStore::GetKey(const std::string& id) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = keys_.find(id);
  if (it == keys_.end()) return KeyNotFound(id);
  return it->second;
}

absl::StatusOr<std::vector<ApiKey>> MemoryStore::ListKeys(const std::string& after_id, int limit) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  std::vector<ApiKey> out;
  size_t i = 0;
  if (!after_id.empty()) {
    auto pos = std::find(key_order_.begin(), key_order_.end(), after_id);
    i = pos == key_order_.end() ? key_order_.size() : pos - key_order_.begin() + 1;
  }
  for (; i < key_order_.size() && static_cast<int>(out.size()) < limit; ++i) out.push_back(keys_[key_order_[i]]);
  return out;
}

absl::StatusOr<ApiKey> MemoryStore::RevokeKey(const std::string& id, absl::Time when) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = keys_.find(id);
  if (it == keys_.end()) return KeyNotFound(id);
  if (!it->second.revoke_time) it->second.revoke_time = when;
  return it->second;
}

absl::Status MemoryStore::RotateKey(const std::string& old_id, const ApiKey& fresh, absl::Time when) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  auto it = keys_.find(old_id);
  if (it == keys_.end()) return KeyNotFound(old_id);
  if (it->second.revoke_time) {
    return KeyAlreadyRevoked(old_id);
  }
  if (absl::Status st = CreateKeyLocked(fresh); !st.ok()) return st;
  it = keys_.find(old_id);
  it->second.revoke_time = when;
  it->second.replaced_by = fresh.id;
  return absl::OkStatus();
}

absl::Status MemoryStore::AppendAudit(const AuditEntry& entry) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  audit_.push_back(entry);
  audit_.back().seq = static_cast<int64_t>(audit_.size());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditEntry>> MemoryStore::ListAudit(const std::string& actor, int64_t before_seq,
                                                               int limit) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  std::vector<AuditEntry> out;
  for (auto it = audit_.rbegin(); it != audit_.rend() && static_cast<int>(out.size()) < limit; ++it) {
    if (before_seq > 0 && it->seq >= before_seq) continue;
    if (!actor.empty() && it->actor != actor) continue;
    out.push_back(*it);
  }
  return out;
}

absl::Status MemoryStore::AppendCalls(const std::vector<KeyCall>& calls) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  for (const KeyCall& c : calls) {
    calls_.push_back(c);
    calls_.back().seq = static_cast<int64_t>(calls_.size());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KeyCall>> MemoryStore::ListCalls(const std::string& key_id, int64_t before_seq,
                                                            int limit) {
  absl::MutexLock l(&mu_);
  FLEET_RETURN_IF_FAILING();
  std::vector<KeyCall> out;
  for (auto it = calls_.rbegin(); it != calls_.rend() && static_cast<int>(out.size()) < limit; ++it) {
    if (before_seq > 0 && it->seq >= before_seq) continue;
    if (it->key_id != key_id) continue;
    out.push_back(*it);
  }
  return out;
}

}  // namespace fleet::bff::auth
