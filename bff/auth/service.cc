#include "bff/auth/service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bff/auth/crypto.h"
#include "bff/auth/policy.h"
#include "bff/ratelimit/windows.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::bff::auth {
namespace {

constexpr size_t kMaxCacheEntries = 100'000;

absl::Status Invalid(const std::string& what, const std::string& problem) {
  return status::MakeError(absl::StatusCode::kUnauthenticated, "AUTH_INVALID",
                           absl::StrCat("the ", what, " is ", problem), {{"problem", problem}});
}

absl::Status BadCredentials() {
  return status::MakeError(absl::StatusCode::kUnauthenticated, "AUTH_BAD_CREDENTIALS",
                           "wrong user name or password");
}

bool NotFound(const absl::Status& st) { return st.code() == absl::StatusCode::kNotFound; }

}  // namespace

bool ValidUserId(const std::string& id) {
  if (id.empty() || id.size() > 64 || !absl::ascii_isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' && c != '+' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

Credentials Credentials::FromHeaders(const std::string& cookie, const std::string& authorization,
                                     const std::string& x_api_key) {
  Credentials c;
  const std::string auth(absl::StripAsciiWhitespace(authorization));
  if (absl::StartsWithIgnoreCase(auth, "bearer ")) {
    c.api_key = std::string(absl::StripAsciiWhitespace(auth.substr(7)));
  } else if (!auth.empty()) {
    c.api_key = auth;  // unsupported scheme: rejected as a malformed key
  }
  if (c.api_key.empty()) c.api_key = std::string(absl::StripAsciiWhitespace(x_api_key));
  for (absl::string_view part : absl::StrSplit(cookie, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const std::string prefix = absl::StrCat(kSessionCookie, "=");
    if (absl::StartsWith(part, prefix)) c.session_token = std::string(part.substr(prefix.size()));
  }
  return c;
}

AuthService::AuthService(Store& store, AuthOptions options)
    : store_(store), options_(std::move(options)), dummy_hash_(HashPassword(RandomHex(16), options_.password_iterations)) {}

void AuthService::ClearCache() {
  absl::MutexLock l(&mu_);
  keys_.clear();
  sessions_.clear();
}

absl::StatusOr<Principal> AuthService::Authenticate(const Credentials& creds) {
  if (!creds.api_key.empty()) return KeyPrincipal(creds.api_key);
  if (!creds.session_token.empty()) return SessionPrincipal(creds.session_token);
  return status::MakeError(absl::StatusCode::kUnauthenticated, "AUTH_REQUIRED",
                           "sign in (cookie fleet_session) or send an API key (Authorization: Bearer fk_...)");
}

absl::StatusOr<Principal> AuthService::SessionPrincipal(const std::string& token) {
  const absl::Time now = Now();
  const std::string hash = Sha256Hex(token);
  {
    absl::MutexLock l(&mu_);
    auto it = sessions_.find(hash);
    if (it != sessions_.end() && now - it->second.fetched < options_.cache_ttl &&
        now < *it->second.principal.expire_time) {
      return it->second.principal;
    }
  }
  absl::StatusOr<Session> s = store_.GetSession(hash);
  if (!s.ok()) return NotFound(s.status()) ? Invalid("session", "unknown") : s.status();
  if (s->expire_time <= now) return Invalid("session", "expired");
  absl::StatusOr<User> u = store_.GetUser(s->user_id);
  if (!u.ok()) return NotFound(u.status()) ? Invalid("session", "unknown") : u.status();
  if (u->disabled) return Invalid("user", "disabled");
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.id = u->id;
  p.display_name = u->display_name;
  p.role = u->role;
  p.expire_time = s->expire_time;
  if (options_.cache_ttl > absl::ZeroDuration()) {
    absl::MutexLock l(&mu_);
    if (sessions_.size() >= kMaxCacheEntries) sessions_.clear();
    sessions_[hash] = {p, now};
  }
  return p;
}

absl::StatusOr<Principal> AuthService::KeyPrincipal(const std::string& plaintext) {
  absl::StatusOr<KeyParts> parts = ParseApiKey(plaintext);
  if (!parts.ok()) return Invalid("API key", "malformed");
  const absl::Time now = Now();
  std::optional<ApiKey> key;
  {
    absl::MutexLock l(&mu_);
    auto it = keys_.find(parts->id);
    if (it != keys_.end() && now - it->second.fetched < options_.cache_ttl) key = it->second.key;
  }
  if (!key) {
    absl::StatusOr<ApiKey> k = store_.GetKey(parts->id);
    if (!k.ok()) return NotFound(k.status()) ? Invalid("API key", "unknown") : k.status();
    key = *k;
    if (options_.cache_ttl > absl::ZeroDuration()) {
      absl::MutexLock l(&mu_);
      if (keys_.size() >= kMaxCacheEntries) keys_.clear();
      keys_[parts->id] = {*k, now};
    }
  }
  if (!ConstantTimeEquals(Sha256Hex(parts->secret), key->secret_hash)) return Invalid("API key", "unknown");
  if (key->revoke_time && *key->revoke_time <= now) return Invalid("API key", "revoked");
  if (key->expire_time && *key->expire_time <= now) return Invalid("API key", "expired");
  Principal p;
  p.kind = Principal::Kind::kApiKey;
  p.id = key->id;
  p.display_name = key->display_name;
  p.role = Role::kThirdParty;
  p.scope = key->scope;
  p.rate_limits = key->rate_limits;
  p.expire_time = key->expire_time;
  return p;
}

absl::StatusOr<AuthService::SignedIn> AuthService::SignIn(const std::string& user_id, const std::string& password) {
  absl::StatusOr<User> u = ValidUserId(user_id) ? store_.GetUser(user_id) : absl::StatusOr<User>(UserNotFound(user_id));
  if (!u.ok() && !NotFound(u.status())) return u.status();
  const bool match = VerifyPassword(password, u.ok() ? u->password_hash : dummy_hash_);
  if (!u.ok() || !match || u->disabled) return BadCredentials();
  const absl::Time now = Now();
  (void)store_.DeleteExpiredSessions(now);  // housekeeping; a failure here is not the caller's problem
  SignedIn out;
  out.token = RandomHex(32);
  out.user = *u;
  out.expire_time = now + options_.session_ttl;
  Session s{Sha256Hex(out.token), u->id, now, out.expire_time};
  if (absl::Status st = store_.CreateSession(s); !st.ok()) return st;
  return out;
}

absl::Status AuthService::SignOut(const std::string& token) {
  const std::string hash = Sha256Hex(token);
  {
    absl::MutexLock l(&mu_);
    sessions_.erase(hash);
  }
  return store_.DeleteSession(hash);
}

absl::StatusOr<bool> AuthService::Bootstrap(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("--bootstrap_admin must be name:password");
  }
  const std::string id = spec.substr(0, colon), password = spec.substr(colon + 1);
  if (!ValidUserId(id)) return absl::InvalidArgumentError("--bootstrap_admin: bad user name");
  if (password.size() < 8) return absl::InvalidArgumentError("--bootstrap_admin: password shorter than 8");
  User u;
  u.id = id;
  u.display_name = id;
  u.role = Role::kAdmin;
  u.password_hash = HashPassword(password, options_.password_iterations);
  u.create_time = u.update_time = Now();
  return store_.CreateFirstUser(u);
}

absl::StatusOr<User> AuthService::CreateUser(const std::string& id, const std::string& display_name,
                                             const std::string& role, const std::string& password) {
  if (!ValidUserId(id)) return status::InvalidField("id", "the user id must be 1-64 characters of [A-Za-z0-9._@+-]");
  std::optional<Role> r = ParseRole(role);
  if (!r || *r == Role::kThirdParty) return status::InvalidField("role", "role must be admin, operator or viewer");
  if (password.size() < 8 || password.size() > 1024) {
    return status::InvalidField("password", "the password must be 8-1024 characters");
  }
  if (display_name.size() > 256) return status::InvalidField("displayName", "at most 256 characters");
  User u;
  u.id = id;
  u.display_name = display_name.empty() ? id : display_name;
  u.role = *r;
  u.password_hash = HashPassword(password, options_.password_iterations);
  u.create_time = u.update_time = Now();
  if (absl::Status st = store_.CreateUser(u); !st.ok()) return st;
  return u;
}

absl::StatusOr<User> AuthService::UpdateUser(const std::string& id, const UserPatch& patch) {
  absl::StatusOr<User> u = store_.GetUser(id);
  if (!u.ok()) return u.status();
  bool end_sessions = false;
  if (patch.display_name) {
    if (patch.display_name->size() > 256) return status::InvalidField("displayName", "at most 256 characters");
    u->display_name = *patch.display_name;
  }
  if (patch.role) {
    if (*patch.role == Role::kThirdParty) return status::InvalidField("role", "role must be admin, operator or viewer");
    end_sessions |= *patch.role != u->role;
    u->role = *patch.role;
  }
  if (patch.password) {
    if (patch.password->size() < 8 || patch.password->size() > 1024) {
      return status::InvalidField("password", "the password must be 8-1024 characters");
    }
    u->password_hash = HashPassword(*patch.password, options_.password_iterations);
    end_sessions = true;
  }
  if (patch.disabled) {
    end_sessions |= *patch.disabled && !u->disabled;
    u->disabled = *patch.disabled;
  }
  u->update_time = Now();
  if (absl::Status st = store_.UpdateUser(*u); !st.ok()) return st;
  if (end_sessions) {
    if (absl::Status st = store_.DeleteUserSessions(id); !st.ok()) return st;
  }
  ClearCache();
  return *u;
}

absl::Status AuthService::DeleteUser(const std::string& id) {
  absl::Status st = store_.DeleteUser(id);
  ClearCache();
  return st;
}

absl::Status AuthService::ValidateKeySpec(const ApiKey& spec) const {
  if (spec.display_name.size() > 256) return status::InvalidField("displayName", "at most 256 characters");
  if (spec.scope.route_classes.empty()) {
    return status::InvalidField("scope.routeClasses", "name at least one route class, e.g. devices.read");
  }
  for (const std::string& c : spec.scope.route_classes) {
    if (!GrantableToKeys(c)) {
      return status::InvalidField("scope.routeClasses",
                                  absl::StrCat("route class \"", c, "\" does not exist or cannot be granted to keys"));
    }
  }
  if (spec.scope.device_ids.size() > 1000) return status::InvalidField("scope.deviceIds", "at most 1000 devices");
  for (const std::string& d : spec.scope.device_ids) {
    if (absl::Status st = ids::ValidateDeviceId(d, "scope.deviceIds"); !st.ok()) return st;
  }
  if (spec.scope.device_labels.size() > 16) return status::InvalidField("scope.deviceLabels", "at most 16 labels");
  for (const auto& [k, v] : spec.scope.device_labels) {
    if (k.empty() || k.size() > 63 || v.size() > 63 || absl::StrContains(k, ",") || absl::StrContains(k, "=") ||
        absl::StrContains(v, ",")) {
      return status::InvalidField("scope.deviceLabels", "label keys and values: up to 63 characters, no ',' or '='");
    }
  }
  if (auto w = ratelimit::ParseWindows(spec.rate_limits); !w.ok()) {
    const auto m = w.status().message();
    return status::InvalidField("rateLimits", std::string(m.data(), m.size()));
  }
  if (spec.expire_time && *spec.expire_time <= Now()) {
    return status::InvalidField("expireTime", "the expiry must be in the future");
  }
  return absl::OkStatus();
}

absl::StatusOr<AuthService::NewKey> AuthService::CreateKey(const ApiKey& spec, const std::string& created_by) {
  if (absl::Status st = ValidateKeySpec(spec); !st.ok()) return st;
  KeyParts parts = NewApiKeyParts();
  NewKey out;
  out.key = spec;
  out.key.id = parts.id;
  out.key.secret_hash = Sha256Hex(parts.secret);
  out.key.created_by = created_by;
  out.key.create_time = Now();
  out.key.revoke_time.reset();
  out.key.replaced_by.clear();
  out.plaintext = FormatApiKey(parts);
  if (absl::Status st = store_.CreateKey(out.key); !st.ok()) return st;
  return out;
}

absl::StatusOr<ApiKey> AuthService::RevokeKey(const std::string& id) {
  absl::StatusOr<ApiKey> k = store_.RevokeKey(id, Now());
  ClearCache();
  return k;
}

absl::StatusOr<AuthService::NewKey> AuthService::RotateKey(const std::string& id, const std::string& by) {
  absl::StatusOr<ApiKey> old = store_.GetKey(id);
  if (!old.ok()) return old.status();
  KeyParts parts = NewApiKeyParts();
  NewKey out;
  out.key = *old;
  out.key.id = parts.id;
  out.key.secret_hash = Sha256Hex(parts.secret);
  out.key.created_by = by;
  out.key.create_time = Now();
  out.key.revoke_time.reset();
  out.key.replaced_by.clear();
  out.plaintext = FormatApiKey(parts);
  absl::Status st = store_.RotateKey(id, out.key, Now());
  ClearCache();
  if (!st.ok()) return st;
  return out;
}

}  // namespace fleet::bff::auth
