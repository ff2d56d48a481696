#include "bff/auth/routes.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bff/auth/gate.h"
#include "bff/auth/policy.h"
#include "bff/http_util.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/status.h"
#include "libs/trace/trace.h"

namespace fleet::bff::auth {
namespace {

using google::protobuf::util::TimeUtil;
namespace pb = ::fleet::bff::v1;

google::protobuf::Timestamp Ts(absl::Time t) { return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t)); }
absl::Time FromTs(const google::protobuf::Timestamp& t) { return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t)); }

void ScopeToProto(const ApiKeyScope& s, pb::ApiKeyScope* out) {
  for (const auto& c : s.route_classes) out->add_route_classes(c);
  for (const auto& d : s.device_ids) out->add_device_ids(d);
  for (const auto& [k, v] : s.device_labels) (*out->mutable_device_labels())[k] = v;
}

ApiKeyScope ScopeFromProto(const pb::ApiKeyScope& s) {
  ApiKeyScope out;
  out.route_classes.assign(s.route_classes().begin(), s.route_classes().end());
  out.device_ids.assign(s.device_ids().begin(), s.device_ids().end());
  for (const auto& [k, v] : s.device_labels()) out.device_labels[k] = v;
  return out;
}

absl::Status Disabled() {
  return status::MakeError(absl::StatusCode::kFailedPrecondition, "AUTH_DISABLED",
                           "authentication is disabled (--auth=disabled): no users, sessions or API keys");
}

absl::StatusOr<int64_t> SeqToken(const http::Request& r) {
  const std::string t = r.QueryParam("page_token");
  int64_t v = 0;
  if (t.empty()) return 0;
  if (!absl::SimpleAtoi(t, &v) || v <= 0) {
    return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN", "bad page_token");
  }
  return v;
}

absl::StatusOr<int> Limit(const http::Request& r) {
  auto n = PageSize(r);
  if (!n.ok()) return n.status();
  return *n == 0 ? 50 : std::min(*n, 500);
}

std::string Cookie(const std::string& value, int64_t max_age, bool secure) {
  return absl::StrCat(kSessionCookie, "=", value, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=", max_age,
                      secure ? "; Secure" : "");
}

}  // namespace

pb::User ToProto(const User& u) {
  pb::User out;
  out.set_name("users/" + u.id);
  out.set_id(u.id);
  out.set_display_name(u.display_name);
  out.set_role(RoleName(u.role));
  out.set_disabled(u.disabled);
  *out.mutable_create_time() = Ts(u.create_time);
  *out.mutable_update_time() = Ts(u.update_time);
  return out;
}

pb::ApiKey ToProto(const ApiKey& k) {
  pb::ApiKey out;
  out.set_name("apiKeys/" + k.id);
  out.set_id(k.id);
  out.set_display_name(k.display_name);
  ScopeToProto(k.scope, out.mutable_scope());
  out.set_rate_limits(k.rate_limits);
  if (k.expire_time) *out.mutable_expire_time() = Ts(*k.expire_time);
  *out.mutable_create_time() = Ts(k.create_time);
  if (k.revoke_time) *out.mutable_revoke_time() = Ts(*k.revoke_time);
  out.set_created_by(k.created_by);
  out.set_replaced_by(k.replaced_by);
  out.set_role(RoleName(Role::kThirdParty));
  return out;
}

void AuthRoutes::Register(Router& router) {
  using R = const http::Request&;
  using V = const PathVars&;
  router.Add("POST", "/v1/sessions", [this](R r, V) { return SignIn(r); });
  router.Add("DELETE", "/v1/sessions/current", [this](R r, V) { return SignOut(r); });
  router.Add("GET", "/v1/me", [this](R r, V) { return Me(r); });
  router.Add("GET", "/v1/users", [this](R r, V) { return ListUsers(r); });
  router.Add("POST", "/v1/users", [this](R r, V) { return CreateUser(r); });
  router.Add("GET", "/v1/users/{user}", [this](R r, V v) { return GetUser(r, v.at("user")); });
  router.Add("PATCH", "/v1/users/{user}", [this](R r, V v) { return UpdateUser(r, v.at("user")); });
  router.Add("DELETE", "/v1/users/{user}", [this](R r, V v) { return DeleteUser(r, v.at("user")); });
  router.Add("GET", "/v1/apiKeys", [this](R r, V) { return ListKeys(r); });
  router.Add("POST", "/v1/apiKeys", [this](R r, V) { return CreateKey(r); });
  router.Add("GET", "/v1/apiKeys/{key}", [this](R r, V v) { return GetKey(r, v.at("key")); });
  router.Add("POST", "/v1/apiKeys/{key}:revoke", [this](R r, V v) { return RevokeKey(r, v.at("key")); });
  router.Add("POST", "/v1/apiKeys/{key}:rotate", [this](R r, V v) { return RotateKey(r, v.at("key")); });
  router.Add("GET", "/v1/apiKeys/{key}/calls", [this](R r, V v) { return ListCalls(r, v.at("key")); });
  router.Add("GET", "/v1/auditLogs", [this](R r, V) { return ListAudit(r); });
}

void AuthRoutes::AuditSignIn(const http::Request& r, const std::string& user, const std::string& role, int status) {
  AuditEntry e;
  e.time = absl::Now();
  e.actor = ValidUserId(user) ? user : "(invalid user name)";
  e.actor_kind = "user";
  e.role = role;
  e.method = r.method;
  e.path = r.path;
  e.status = status;
  if (auto tp = trace::ParseTraceparent(r.Header("traceparent")); tp.ok()) e.trace_id = tp->TraceIdHex();
  e.request_id = r.Header("x-request-id");
  (void)auth_->store().AppendAudit(e);  // failures are not the caller's problem; the DB is down anyway
}

http::Response AuthRoutes::SignIn(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  pb::SignInRequest req;
  if (absl::Status st = ParseJsonBody(r, req, false); !st.ok()) return Error(st, r);
  auto s = auth_->SignIn(req.user(), req.password());
  if (!s.ok()) {
    http::Response resp = Error(s.status(), r);
    if (s.status().code() == absl::StatusCode::kUnauthenticated) AuditSignIn(r, req.user(), "", resp.status);
    return resp;
  }
  AuditSignIn(r, s->user.id, RoleName(s->user.role), 200);
  pb::SignInResponse out;
  *out.mutable_user() = ToProto(s->user);
  out.set_role(RoleName(s->user.role));
  *out.mutable_expire_time() = Ts(s->expire_time);
  http::Response resp = ProtoJson(out);
  resp.headers.push_back({"Set-Cookie", Cookie(s->token, absl::ToInt64Seconds(s->expire_time - auth_->Now()),
                                               options_.secure_cookie)});
  resp.headers.push_back({"Cache-Control", "no-store"});
  return resp;
}

http::Response AuthRoutes::SignOut(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  const Credentials c = Credentials::FromHeaders(r.Header("cookie"), "", "");
  const Principal* p = CurrentPrincipal();
  if (p == nullptr || p->kind != Principal::Kind::kUser || c.session_token.empty()) {
    return Error(status::MakeError(absl::StatusCode::kFailedPrecondition, "NOT_A_SESSION",
                                   "only a signed-in session can sign out; API keys are revoked instead"),
                 r);
  }
  if (absl::Status st = auth_->SignOut(c.session_token); !st.ok()) return Error(st, r);
  http::Response resp = Json(200, "{}");
  resp.headers.push_back({"Set-Cookie", Cookie("", 0, options_.secure_cookie)});
  return resp;
}

http::Response AuthRoutes::Me(const http::Request& r) {
  const Principal* p = CurrentPrincipal();
  if (p == nullptr) return Error(absl::UnauthenticatedError("no principal"), r);
  pb::Me me;
  me.set_kind(p->KindName());
  me.set_id(p->id);
  me.set_display_name(p->display_name);
  me.set_role(RoleName(p->role));
  if (p->kind == Principal::Kind::kApiKey) ScopeToProto(p->scope, me.mutable_scope());
  if (p->expire_time) *me.mutable_expire_time() = Ts(*p->expire_time);
  for (const std::string& c : AllowedClasses(*p)) me.add_route_classes(c);
  return ProtoJson(me);
}

http::Response AuthRoutes::ListUsers(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  auto users = auth_->ListUsers();
  if (!users.ok()) return Error(users.status(), r);
  pb::ListUsersResponse out;
  for (const User& u : *users) *out.add_users() = ToProto(u);
  return ProtoJson(out);
}

http::Response AuthRoutes::CreateUser(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  pb::CreateUserRequest req;
  if (absl::Status st = ParseJsonBody(r, req, false); !st.ok()) return Error(st, r);
  auto u = auth_->CreateUser(req.id(), req.display_name(), req.role(), req.password());
  if (!u.ok()) return Error(u.status(), r);
  return ProtoJson(ToProto(*u));
}

http::Response AuthRoutes::GetUser(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  auto u = auth_->GetUser(id);
  if (!u.ok()) return Error(u.status(), r);
  return ProtoJson(ToProto(*u));
}

http::Response AuthRoutes::UpdateUser(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  pb::UpdateUserRequest req;
  if (absl::Status st = ParseJsonBody(r, req, false); !st.ok()) return Error(st, r);
  UserPatch patch;
  if (req.has_display_name()) patch.display_name = req.display_name();
  if (req.has_role()) {
    patch.role = ParseRole(req.role());
    if (!patch.role) return Error(status::InvalidField("role", "role must be admin, operator or viewer"), r);
  }
  if (req.has_password()) patch.password = req.password();
  if (req.has_disabled()) patch.disabled = req.disabled();
  auto u = auth_->UpdateUser(id, patch);
  if (!u.ok()) return Error(u.status(), r);
  return ProtoJson(ToProto(*u));
}

http::Response AuthRoutes::DeleteUser(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  const Principal* p = CurrentPrincipal();
  if (p != nullptr && p->kind == Principal::Kind::kUser && p->id == id) {
    return Error(status::MakeError(absl::StatusCode::kFailedPrecondition, "CANNOT_DELETE_SELF",
                                   "admins cannot delete themselves"),
                 r);
  }
  if (absl::Status st = auth_->DeleteUser(id); !st.ok()) return Error(st, r);
  return Json(200, "{}");
}

http::Response AuthRoutes::ListKeys(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  auto limit = Limit(r);
  if (!limit.ok()) return Error(limit.status(), r);
  auto keys = auth_->store().ListKeys(r.QueryParam("page_token"), *limit + 1);
  if (!keys.ok()) return Error(keys.status(), r);
  pb::ListApiKeysResponse out;
  for (int i = 0; i < static_cast<int>(keys->size()) && i < *limit; ++i) *out.add_api_keys() = ToProto((*keys)[i]);
  if (static_cast<int>(keys->size()) > *limit) out.set_next_page_token((*keys)[*limit - 1].id);
  return ProtoJson(out);
}

http::Response AuthRoutes::CreateKey(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  pb::CreateApiKeyRequest req;
  if (absl::Status st = ParseJsonBody(r, req, false); !st.ok()) return Error(st, r);
  ApiKey spec;
  spec.display_name = req.display_name();
  spec.scope = ScopeFromProto(req.scope());
  spec.rate_limits = req.rate_limits();
  if (req.has_expire_time() && req.has_ttl()) {
    return Error(status::InvalidField("ttl", "give expireTime or ttl, not both"), r);
  }
  if (req.has_expire_time()) spec.expire_time = FromTs(req.expire_time());
  if (req.has_ttl()) {
    spec.expire_time = auth_->Now() + absl::Seconds(req.ttl().seconds()) + absl::Nanoseconds(req.ttl().nanos());
  }
  const Principal* p = CurrentPrincipal();
  auto k = auth_->CreateKey(spec, p ? p->Actor() : "");
  if (!k.ok()) return Error(k.status(), r);
  pb::ApiKey out = ToProto(k->key);
  out.set_key(k->plaintext);
  http::Response resp = ProtoJson(out);
  resp.headers.push_back({"Cache-Control", "no-store"});
  return resp;
}

http::Response AuthRoutes::GetKey(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  auto k = auth_->store().GetKey(id);
  if (!k.ok()) return Error(k.status(), r);
  return ProtoJson(ToProto(*k));
}

http::Response AuthRoutes::RevokeKey(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  google::protobuf::Empty none;  // the body, if any, must be an empty JSON object
  if (absl::Status st = ParseJsonBody(r, none, /*allow_empty=*/true); !st.ok()) return Error(st, r);
  auto k = auth_->RevokeKey(id);
  if (!k.ok()) return Error(k.status(), r);
  return ProtoJson(ToProto(*k));
}

http::Response AuthRoutes::RotateKey(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  google::protobuf::Empty none;
  if (absl::Status st = ParseJsonBody(r, none, /*allow_empty=*/true); !st.ok()) return Error(st, r);
  const Principal* p = CurrentPrincipal();
  auto k = auth_->RotateKey(id, p ? p->Actor() : "");
  if (!k.ok()) return Error(k.status(), r);
  pb::ApiKey out = ToProto(k->key);
  out.set_key(k->plaintext);
  http::Response resp = ProtoJson(out);
  resp.headers.push_back({"Cache-Control", "no-store"});
  return resp;
}

http::Response AuthRoutes::ListCalls(const http::Request& r, const std::string& id) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  if (auto k = auth_->store().GetKey(id); !k.ok()) return Error(k.status(), r);
  auto before = SeqToken(r);
  if (!before.ok()) return Error(before.status(), r);
  auto limit = Limit(r);
  if (!limit.ok()) return Error(limit.status(), r);
  auto calls = auth_->store().ListCalls(id, *before, *limit);
  if (!calls.ok()) return Error(calls.status(), r);
  pb::ListApiKeyCallsResponse out;
  for (const KeyCall& c : *calls) {
    pb::ApiKeyCall* o = out.add_calls();
    o->set_seq(c.seq);
    *o->mutable_time() = Ts(c.time);
    o->set_method(c.method);
    o->set_route(c.route);
    o->set_path(c.path);
    o->set_status(c.status);
    o->set_latency_micros(c.latency_micros);
    o->set_trace_id(c.trace_id);
    o->set_request_id(c.request_id);
  }
  if (static_cast<int>(calls->size()) == *limit) out.set_next_page_token(absl::StrCat(calls->back().seq));
  return ProtoJson(out);
}

http::Response AuthRoutes::ListAudit(const http::Request& r) {
  if (auth_ == nullptr) return Error(Disabled(), r);
  auto before = SeqToken(r);
  if (!before.ok()) return Error(before.status(), r);
  auto limit = Limit(r);
  if (!limit.ok()) return Error(limit.status(), r);
  auto entries = auth_->store().ListAudit(r.QueryParam("actor"), *before, *limit);
  if (!entries.ok()) return Error(entries.status(), r);
  pb::ListAuditLogsResponse out;
  for (const AuditEntry& e : *entries) {
    pb::AuditEntry* o = out.add_entries();
    o->set_seq(e.seq);
    *o->mutable_time() = Ts(e.time);
    o->set_actor(e.actor);
    o->set_actor_kind(e.actor_kind);
    o->set_role(e.role);
    o->set_method(e.method);
    o->set_path(e.path);
    o->set_status(e.status);
    o->set_trace_id(e.trace_id);
    o->set_request_id(e.request_id);
  }
  if (static_cast<int>(entries->size()) == *limit) out.set_next_page_token(absl::StrCat(entries->back().seq));
  return ProtoJson(out);
}

}  // namespace fleet::bff::auth
