#pragma once

// Plain entities of the BFF's access control. No SQL, HTTP or proto types: the store and the
// routes convert at their edges.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fleet::bff::auth {

// Ordered by privilege: an admin can do what an operator can, an operator what a viewer can.
// Third-party callers (API keys) stand apart: their key's scope decides.
enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2, kThirdParty = 3 };

// "admin", "operator", "viewer", "third_party".
const char* RoleName(Role role);
// Parses RoleName's output; nullopt otherwise.
std::optional<Role> ParseRole(const std::string& name);

struct User {
  std::string id;  // the sign-in name, 1-64 of [A-Za-z0-9._@+-]
  std::string display_name;
  Role role = Role::kViewer;
  std::string password_hash;  // crypto.h PasswordHash format
  bool disabled = false;
  absl::Time create_time;
  absl::Time update_time;
};

struct Session {
  std::string token_hash;  // hex SHA-256 of the cookie token
  std::string user_id;
  absl::Time create_time;
  absl::Time expire_time;
};

struct ApiKeyScope {
  std::vector<std::string> route_classes;
  std::vector<std::string> device_ids;               // empty = any device
  std::map<std::string, std::string> device_labels;  // empty = any labels
  bool device_restricted() const { return !device_ids.empty() || !device_labels.empty(); }
};

struct ApiKey {
  std::string id;           // 16 lowercase hex digits
  std::string display_name;
  std::string secret_hash;  // hex SHA-256 of the secret part
  ApiKeyScope scope;
  std::string rate_limits;  // "100/1s,2000/60s"; empty = default
  std::string created_by;
  absl::Time create_time;
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> revoke_time;
  std::string replaced_by;  // id of the key :rotate made
};

struct AuditEntry {
  int64_t seq = 0;  // assigned by the store, increasing
  absl::Time time;
  std::string actor;
  std::string actor_kind;
  std::string role;
  std::string method;
  std::string path;
  int status = 0;
  std::string trace_id;
  std::string request_id;
};

struct KeyCall {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string key_id;
  absl::Time time;
  std::string method;
  std::string route;
  std::string path;
  int status = 0;
  int64_t latency_micros = 0;
  std::string trace_id;
  std::string request_id;
};

// Who is calling. Built by AuthService::Authenticate; immutable afterwards.
struct Principal {
  enum class Kind { kUser, kApiKey, kLocal };
  Kind kind = Kind::kUser;
  std::string id;       // user id, API key id, or "local-admin"
  std::string display_name;
  Role role = Role::kViewer;
  ApiKeyScope scope;    // API keys only
  std::string rate_limits;  // API keys only: the key's own limits ("" = default)
  std::optional<absl::Time> expire_time;

  // The actor as audit logs and operator ids show it: user id, "apiKey:<id>", "local-admin".
  std::string Actor() const { return kind == Kind::kApiKey ? "apiKey:" + id : id; }
  const char* KindName() const {
    return kind == Kind::kUser ? "user" : kind == Kind::kApiKey ? "api_key" : "local";
  }
};

}  // namespace fleet::bff::auth
