#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bff/auth/model.h"
#include "bff/auth/store.h"

namespace fleet::bff::auth {

inline constexpr char kSessionCookie[] = "fleet_session";

struct AuthOptions {
  absl::Duration session_ttl = absl::Hours(12);
  // PBKDF2-HMAC-SHA256 iterations for new password hashes (existing hashes keep theirs).
  int password_iterations = 210'000;
  // How long a verified session or API key is trusted without reading the store again. Revoking
  // a key, signing out or changing a user clears this replica's cache at once; other replicas
  // notice within cache_ttl. Zero disables the cache.
  absl::Duration cache_ttl = absl::Seconds(5);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// The credentials of one request, as found in its headers.
struct Credentials {
  std::string session_token;  // cookie fleet_session
  std::string api_key;        // Authorization: Bearer fk_... or X-API-Key
  bool empty() const { return session_token.empty() && api_key.empty(); }
  // Reads `cookie`, `authorization` and `x-api-key` header values. A non-fk_ bearer token is
  // taken as an (invalid) API key so it fails loudly instead of being ignored.
  static Credentials FromHeaders(const std::string& cookie, const std::string& authorization,
                                 const std::string& x_api_key);
};

// Changes of a user; unset fields stay.
struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<Role> role;
  std::optional<std::string> password;
  std::optional<bool> disabled;
};

// Use cases of access control: sign-in/out, authentication of requests, users and API keys.
// Thread-safe. Errors carry reasons from fleet.bff.v1.AuthErrorReason; store errors
// (UNAVAILABLE) pass through.
class AuthService {
 public:
  AuthService(Store& store, AuthOptions options);

  // UNAUTHENTICATED: AUTH_REQUIRED without credentials; AUTH_INVALID (metadata "problem":
  // malformed | unknown | expired | revoked | disabled) otherwise.
  absl::StatusOr<Principal> Authenticate(const Credentials& creds);

  struct SignedIn {
    std::string token;  // goes into the cookie; only its hash is stored
    User user;
    absl::Time expire_time;
  };
  // UNAUTHENTICATED AUTH_BAD_CREDENTIALS for an unknown user, a wrong password or a disabled
  // user (the same answer and about the same time for all three).
  absl::StatusOr<SignedIn> SignIn(const std::string& user_id, const std::string& password);
  // Ends the session of `token` (OK when it does not exist).
  absl::Status SignOut(const std::string& token);

  // `spec` is "name:password": creates that admin when there is no user at all. Returns whether
  // it did. INVALID_ARGUMENT for a malformed spec.
  absl::StatusOr<bool> Bootstrap(const std::string& spec);

  absl::StatusOr<User> CreateUser(const std::string& id, const std::string& display_name, const std::string& role,
                                  const std::string& password);
  absl::StatusOr<User> UpdateUser(const std::string& id, const UserPatch& patch);
  absl::Status DeleteUser(const std::string& id);
  absl::StatusOr<User> GetUser(const std::string& id) { return store_.GetUser(id); }
  absl::StatusOr<std::vector<User>> ListUsers() { return store_.ListUsers(); }

  struct NewKey {
    ApiKey key;
    std::string plaintext;  // fk_<id>_<secret>, shown once
  };
  // `spec` supplies display_name, scope, rate_limits and expire_time; the rest is generated.
  // INVALID_ARGUMENT (INVALID_FIELD) for a bad scope, rate limit or expiry.
  absl::StatusOr<NewKey> CreateKey(const ApiKey& spec, const std::string& created_by);
  absl::StatusOr<ApiKey> RevokeKey(const std::string& id);
  // A new key (new id and secret, same settings); the old one is revoked.
  absl::StatusOr<NewKey> RotateKey(const std::string& id, const std::string& by);

  Store& store() { return store_; }
  absl::Time Now() const { return options_.clock(); }
  const AuthOptions& options() const { return options_; }

 private:
  absl::StatusOr<Principal> SessionPrincipal(const std::string& token);
  absl::StatusOr<Principal> KeyPrincipal(const std::string& key);
  absl::Status ValidateKeySpec(const ApiKey& spec) const;
  void ClearCache();

  struct CachedKey {
    ApiKey key;
    absl::Time fetched;
  };
  struct CachedSession {
    Principal principal;
    absl::Time fetched;
  };

  Store& store_;
  const AuthOptions options_;
  const std::string dummy_hash_;  // verified against when the user is unknown (timing)
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedKey> keys_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, CachedSession> sessions_ ABSL_GUARDED_BY(mu_);
};

// 1-64 characters of [A-Za-z0-9._@+-], starting with a letter or digit.
bool ValidUserId(const std::string& id);

}  // namespace fleet::bff::auth
