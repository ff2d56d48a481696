#pragma once

#include "bff/auth/service.h"
#include "bff/router.h"
#include "fleet/bff/v1/access.pb.h"

namespace fleet::bff::auth {

struct RoutesOptions {
  bool secure_cookie = false;  // add "Secure" to the session cookie (HTTPS deployments)
};

// HTTP handlers of sign-in/out, /v1/me, users, API keys, the audit log and key call logs.
// The Gate has authenticated and authorized the caller already (CurrentPrincipal()).
// With `auth` null (--auth=disabled) only /v1/me works; the rest answer FAILED_PRECONDITION.
// Thread-safe.
class AuthRoutes {
 public:
  AuthRoutes(AuthService* auth, RoutesOptions options) : auth_(auth), options_(options) {}
  void Register(Router& router);

 private:
  http::Response SignIn(const http::Request& r);
  http::Response SignOut(const http::Request& r);
  http::Response Me(const http::Request& r);
  http::Response ListUsers(const http::Request& r);
  http::Response CreateUser(const http::Request& r);
  http::Response GetUser(const http::Request& r, const std::string& id);
  http::Response UpdateUser(const http::Request& r, const std::string& id);
  http::Response DeleteUser(const http::Request& r, const std::string& id);
  http::Response ListKeys(const http::Request& r);
  http::Response CreateKey(const http::Request& r);
  http::Response GetKey(const http::Request& r, const std::string& id);
  http::Response RevokeKey(const http::Request& r, const std::string& id);
  http::Response RotateKey(const http::Request& r, const std::string& id);
  http::Response ListCalls(const http::Request& r, const std::string& id);
  http::Response ListAudit(const http::Request& r);
  void AuditSignIn(const http::Request& r, const std::string& user, const std::string& role, int status);

  AuthService* auth_;
  const RoutesOptions options_;
};

// Conversions to the API's messages (exposed for tests).
bff::v1::User ToProto(const User& u);
bff::v1::ApiKey ToProto(const ApiKey& k);

}  // namespace fleet::bff::auth
