// Sign-in/out, users, API keys, the audit and call logs, rate limits and --auth=disabled, through
// Api::Handle.
#include "absl/strings/match.h"
#include "bff/api_test_support.h"
#include "bff/auth/gate.h"
#include "gtest/gtest.h"

namespace fleet::bff::auth {
namespace {

class AccessRoutesTest : public testing::ApiHarness {
 protected:
  AccessRoutesTest() { registry_.Add("gw-1"); }
  static std::string CookieOf(const http::Response& r) {
    const std::string c = HeaderOf(r, "Set-Cookie");
    return c.substr(0, c.find(';'));
  }
};

TEST_F(AccessRoutesTest, SignInSetsAStrictHttpOnlyCookieAndSignOutEndsIt) {
  ASSERT_TRUE(access_.auth_.CreateUser("alice", "Alice", "operator", "password-1").ok());
  http::Response wrong = CallAnonymous("POST", "/v1/sessions", {}, {}, R"({"user":"alice","password":"nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Reason(wrong), "AUTH_BAD_CREDENTIALS");
  EXPECT_EQ(HeaderOf(wrong, "Set-Cookie"), "");
  EXPECT_EQ(CallAnonymous("POST", "/v1/sessions", {}, {}, R"({"user":"alice","pass":"x"})").status, 400);

  http::Response in = CallAnonymous("POST", "/v1/sessions", {}, {}, R"({"user":"alice","password":"password-1"})");
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string set_cookie = HeaderOf(in, "Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(set_cookie, "fleet_session=")) << set_cookie;
  for (const char* attr : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=3600"}) {
    EXPECT_TRUE(absl::StrContains(set_cookie, attr)) << set_cookie;
  }
  EXPECT_STREQ(Parse(in.body)["role"].GetString(), "operator");
  EXPECT_EQ(in.body.find(CookieOf(in).substr(14)), std::string::npos);  // the token is only in the cookie

  const std::map<std::string, std::string> cookie{{"cookie", CookieOf(in)}};
  http::Response me = Call("GET", "/v1/me", {}, cookie);
  ASSERT_EQ(me.status, 200) << me.body;
  auto d = Parse(me.body);
  EXPECT_STREQ(d["kind"].GetString(), "user");
  EXPECT_STREQ(d["id"].GetString(), "alice");
  EXPECT_STREQ(d["role"].GetString(), "operator");

  http::Response out = Call("DELETE", "/v1/sessions/current", {}, cookie);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_TRUE(absl::StrContains(HeaderOf(out, "Set-Cookie"), "Max-Age=0"));
  http::Response after = Call("GET", "/v1/me", {}, cookie);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(Reason(after), "AUTH_INVALID");

  auto audit = access_.store_.ListAudit("alice", 0, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_GE(audit->size(), 3u);  // sign-out, sign-in, failed sign-in
  EXPECT_EQ((*audit)[0].path, "/v1/sessions/current");
  EXPECT_EQ((*audit)[1].path, "/v1/sessions");
  EXPECT_EQ((*audit)[1].status, 200);
  EXPECT_EQ((*audit)[2].status, 401);
}

TEST_F(AccessRoutesTest, SessionsExpire) {
  auto alice = access_.SessionOf("alice", "viewer");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, alice).status, 200);
  access_.Advance(absl::Hours(1));
  http::Response r = Call("GET", "/v1/devices/gw-1", {}, alice);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Reason(r), "AUTH_INVALID");
  EXPECT_FALSE(HeaderOf(r, "WWW-Authenticate").empty());
}

TEST_F(AccessRoutesTest, AdminsManageUsers) {
  http::Response c = Call("POST", "/v1/users", {}, {}, R"({"id":"bob","role":"viewer","password":"password-b"})");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_STREQ(Parse(c.body)["name"].GetString(), "users/bob");
  EXPECT_EQ(c.body.find("password"), std::string::npos);
  EXPECT_EQ(Call("POST", "/v1/users", {}, {}, R"({"id":"bob","role":"viewer","password":"password-b"})").status, 409);
  EXPECT_EQ(Call("POST", "/v1/users", {}, {}, R"({"id":"x","role":"viewer","password":"password-b","admin":1})").status,
            400);
  http::Response p = Call("PATCH", "/v1/users/bob", {}, {}, R"({"role":"operator"})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_STREQ(Parse(p.body)["role"].GetString(), "operator");
  EXPECT_EQ(Call("PATCH", "/v1/users/bob", {}, {}, R"({"role":"root"})").status, 400);
  EXPECT_EQ(Call("GET", "/v1/users/nobody").status, 404);
  EXPECT_EQ(Parse(Call("GET", "/v1/users").body)["users"].Size(), 2u);  // admin, bob
  http::Response self = Call("DELETE", "/v1/users/admin");
  EXPECT_EQ(self.status, 400);
  EXPECT_EQ(Reason(self), "CANNOT_DELETE_SELF");
  EXPECT_EQ(Call("DELETE", "/v1/users/bob").status, 200);
  EXPECT_EQ(Call("GET", "/v1/users/bob").status, 404);
}

TEST_F(AccessRoutesTest, ApiKeysAreShownOnceRotatedRevokedAndTheirCallsLogged) {
  http::Response c = Call("POST", "/v1/apiKeys", {}, {},
                          R"({"displayName":"partner","scope":{"routeClasses":["devices.read"],"deviceIds":["gw-1"]},)"
                          R"("ttl":"3600s","rateLimits":"100/1s"})");
  ASSERT_EQ(c.status, 200) << c.body;
  auto created = Parse(c.body);
  const std::string id = created["id"].GetString();
  const std::string key = created["key"].GetString();
  EXPECT_TRUE(absl::StartsWith(key, "fk_" + id + "_"));
  EXPECT_STREQ(created["createdBy"].GetString(), "admin");
  EXPECT_STREQ(created["role"].GetString(), "third_party");
  EXPECT_TRUE(created.HasMember("expireTime"));
  http::Response g = Call("GET", "/v1/apiKeys/" + id);
  ASSERT_EQ(g.status, 200);
  EXPECT_STREQ(Parse(g.body)["key"].GetString(), "");  // never shown again
  EXPECT_EQ(Parse(Call("GET", "/v1/apiKeys").body)["apiKeys"].Size(), 1u);
  EXPECT_EQ(Call("POST", "/v1/apiKeys", {}, {}, R"({"scope":{"routeClasses":["access.admin"]}})").status, 400);

  const std::map<std::string, std::string> bearer{{"authorization", "Bearer " + key},
                                                  {"traceparent", "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"}};
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, bearer).status, 200);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-2", {}, bearer).status, 403);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, {{"x-api-key", key}}).status, 200);
  http::Response me = Call("GET", "/v1/me", {}, bearer);
  EXPECT_STREQ(Parse(me.body)["kind"].GetString(), "api_key");
  EXPECT_STREQ(Parse(me.body)["scope"]["deviceIds"][0].GetString(), "gw-1");

  call_log_.Flush();
  http::Response calls = Call("GET", "/v1/apiKeys/" + id + "/calls", {{"page_size", "2"}});
  ASSERT_EQ(calls.status, 200) << calls.body;
  auto cd = Parse(calls.body);
  ASSERT_EQ(cd["calls"].Size(), 2u);
  EXPECT_STREQ(cd["calls"][0]["route"].GetString(), "/v1/me");
  EXPECT_STREQ(cd["calls"][1]["path"].GetString(), "/v1/devices/gw-1");
  EXPECT_EQ(cd["calls"][1]["status"].GetInt(), 200);
  http::Response older = Call("GET", "/v1/apiKeys/" + id + "/calls", {{"page_token", cd["nextPageToken"].GetString()}});
  auto od = Parse(older.body);
  ASSERT_EQ(od["calls"].Size(), 2u);
  EXPECT_EQ(od["calls"][0]["status"].GetInt(), 403);
  EXPECT_STREQ(od["calls"][1]["traceId"].GetString(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(Call("GET", "/v1/apiKeys/" + id + "/calls", {{"page_token", "x"}}).status, 400);

  http::Response rot = Call("POST", "/v1/apiKeys/" + id + ":rotate");
  ASSERT_EQ(rot.status, 200) << rot.body;
  const std::string new_key = Parse(rot.body)["key"].GetString();
  const std::string new_id = Parse(rot.body)["id"].GetString();
  http::Response old = Call("GET", "/v1/devices/gw-1", {}, bearer);
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(Reason(old), "AUTH_INVALID");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, {{"authorization", "Bearer " + new_key}}).status, 200);
  EXPECT_STREQ(Parse(Call("GET", "/v1/apiKeys/" + id).body)["replacedBy"].GetString(), new_id.c_str());
  EXPECT_EQ(Reason(Call("POST", "/v1/apiKeys/" + id + ":rotate")), "API_KEY_REVOKED");

  ASSERT_EQ(Call("POST", "/v1/apiKeys/" + new_id + ":revoke").status, 200);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, {{"authorization", "Bearer " + new_key}}).status, 401);
  EXPECT_EQ(Call("POST", "/v1/apiKeys/0000000000000000:revoke").status, 404);
}

TEST_F(AccessRoutesTest, EveryWriteIsAuditedWithActorRoleAndTraceId) {
  auto olga = access_.SessionOf("olga", "operator");
  olga["traceparent"] = "00-11111111111111111111111111111111-2222222222222222-01";
  ASSERT_EQ(Call("POST", "/v1/devices/gw-1/tunnels", {}, olga).status, 200);
  ASSERT_EQ(Call("GET", "/v1/tunnels", {}, olga).status, 200);                   // reads are not audited
  EXPECT_EQ(CallAnonymous("POST", "/v1/tunnels/t-1:close").status, 401);         // refused writes are
  EXPECT_EQ(Call("DELETE", "/v1/devices/gw-1", {}, olga).status, 403);

  http::Response all = Call("GET", "/v1/auditLogs");
  ASSERT_EQ(all.status, 200) << all.body;
  auto d = Parse(all.body);
  ASSERT_EQ(d["entries"].Size(), 3u);
  EXPECT_STREQ(d["entries"][0]["path"].GetString(), "/v1/devices/gw-1");
  EXPECT_EQ(d["entries"][0]["status"].GetInt(), 403);
  EXPECT_STREQ(d["entries"][1]["actor"].GetString(), "anonymous");
  const auto& open = d["entries"][2];
  EXPECT_STREQ(open["actor"].GetString(), "olga");
  EXPECT_STREQ(open["role"].GetString(), "operator");
  EXPECT_STREQ(open["method"].GetString(), "POST");
  EXPECT_STREQ(open["path"].GetString(), "/v1/devices/gw-1/tunnels");
  EXPECT_EQ(open["status"].GetInt(), 200);
  EXPECT_STREQ(open["traceId"].GetString(), "11111111111111111111111111111111");
  EXPECT_FALSE(std::string(open["requestId"].GetString()).empty());

  auto by_olga = Parse(Call("GET", "/v1/auditLogs", {{"actor", "olga"}, {"page_size", "1"}}).body);
  ASSERT_EQ(by_olga["entries"].Size(), 1u);
  auto next = Parse(Call("GET", "/v1/auditLogs", {{"actor", "olga"}, {"page_token", by_olga["nextPageToken"].GetString()}}).body);
  ASSERT_EQ(next["entries"].Size(), 1u);
  EXPECT_EQ(next["entries"][0]["status"].GetInt(), 200);
  EXPECT_EQ(Reason(Call("GET", "/v1/auditLogs", {{"page_token", "-3"}})), "INVALID_PAGE_TOKEN");
}

TEST_F(AccessRoutesTest, AKeysWritesCarryTheKeyAsOperator) {
  auto key = access_.KeyOf({"tunnels.write"});
  http::Response r = Call("POST", "/v1/devices/gw-1/tunnels", {}, key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(tunnel_.last_open.operator_id(), "apiKey:" + access_.last_key_id);
  auto audit = access_.store_.ListAudit("apiKey:" + access_.last_key_id, 0, 10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].actor_kind, "api_key");
  EXPECT_EQ((*audit)[0].role, "third_party");
}

class RateLimitTest : public testing::ApiHarness {
 protected:
  RateLimitTest()
      : ApiHarness({.user_limits = {{5, absl::Minutes(1)}},
                    .key_limits = {{3, absl::Minutes(1)}, {100, absl::Hours(1)}},
                    .signin_limits = {{2, absl::Minutes(1)}}}) {
    registry_.Add("gw-1");
  }
};

TEST_F(RateLimitTest, KeysGet429WithRetryAfterAndRateLimitHeaders) {
  auto a = access_.KeyOf({"devices.read", "presence.read"});
  auto b = access_.KeyOf({"devices.read"});
  for (int i = 0; i < 3; ++i) {
    http::Response ok = Call("GET", "/v1/devices/gw-1", {}, a);
    ASSERT_EQ(ok.status, 200);
    EXPECT_EQ(HeaderOf(ok, "RateLimit-Limit"), "3");
    EXPECT_EQ(HeaderOf(ok, "RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(HeaderOf(ok, "RateLimit-Policy"), "3;w=60, 100;w=3600");
  }
  http::Response limited = Call("GET", "/v1/devices/gw-1", {}, a);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Reason(limited), "RATE_LIMITED");
  EXPECT_EQ(HeaderOf(limited, "Retry-After"), "20");  // one per 20 s after the burst
  EXPECT_EQ(HeaderOf(limited, "RateLimit-Remaining"), "0");
  EXPECT_EQ(HeaderOf(limited, "RateLimit-Reset"), "60");
  EXPECT_EQ(Parse(limited.body)["error"]["details"][0]["metadata"]["retry_after_seconds"], "20");
  // Another route class of the same key, and another key, are not affected.
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/presence", {}, a).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, b).status, 200);
  // 429s are counted in metrics, not written to the audit log.
  EXPECT_TRUE(access_.store_.ListAudit("", 0, 10)->empty());
}

TEST_F(RateLimitTest, AKeysOwnLimitsReplaceTheDefault) {
  auto slow = access_.KeyOf({"devices.read"}, {}, std::nullopt, "1/1m");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, slow).status, 200);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, slow).status, 429);
}

TEST_F(RateLimitTest, SignedInUsersAndSignInAttemptsAreLimitedToo) {
  auto alice = access_.SessionOf("alice", "viewer");
  int ok = 0;
  for (int i = 0; i < 8; ++i) ok += Call("GET", "/v1/devices/gw-1", {}, alice).status == 200 ? 1 : 0;
  EXPECT_EQ(ok, 5);
  int statuses[3];
  for (int& s : statuses) s = CallAnonymous("POST", "/v1/sessions", {}, {}, R"({"user":"x","password":"y"})").status;
  EXPECT_EQ(statuses[0], 401);
  EXPECT_EQ(statuses[1], 401);
  EXPECT_EQ(statuses[2], 429);
}

TEST(AuthDisabledTest, EveryRequestIsTheLocalAdmin) {
  testing::FakePresence presence;
  testing::FakeRegistry registry;
  testing::FakeConfig config;
  testing::FakeTunnel tunnel;
  Api api({presence, registry, config, tunnel}, std::make_shared<prometheus::Registry>(), {},
          {.gate = {.disabled = true}});
  registry.Add("gw-1");
  auto call = [&](const std::string& method, const std::string& path, std::string body = "") {
    http::Request r;
    r.method = method;
    r.path = r.target = path;
    r.headers = {{"x-fleet-operator", "mallory"}};
    r.body = std::move(body);
    return api.Handle(r);
  };
  EXPECT_EQ(call("GET", "/v1/devices/gw-1").status, 200);
  ASSERT_EQ(call("POST", "/v1/devices/gw-1/tunnels").status, 200);
  EXPECT_EQ(tunnel.last_open.operator_id(), "local-admin");
  http::Response me = call("GET", "/v1/me");
  EXPECT_NE(me.body.find("\"kind\":\"local\""), std::string::npos) << me.body;
  http::Response users = call("POST", "/v1/users", R"({"id":"a","role":"viewer","password":"password-a"})");
  EXPECT_EQ(users.status, 400);
  EXPECT_NE(users.body.find("AUTH_DISABLED"), std::string::npos);
}

}  // namespace
}  // namespace fleet::bff::auth
