#include "bff/auth/service.h"

#include "bff/auth/crypto.h"
#include "bff/auth/memory_store.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff::auth {
namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest()
      : auth_(store_, {.session_ttl = absl::Hours(1), .password_iterations = 1000, .clock = [this] { return now_; }}) {}

  Credentials Cookie(const std::string& token) { return Credentials::FromHeaders("fleet_session=" + token, "", ""); }
  Credentials Bearer(const std::string& key) { return Credentials::FromHeaders("", "Bearer " + key, ""); }
  static std::string Problem(const absl::Status& st) { return status::Metadata(st)["problem"]; }

  ApiKey Spec(std::vector<std::string> classes) {
    ApiKey k;
    k.display_name = "partner";
    k.scope.route_classes = std::move(classes);
    return k;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  MemoryStore store_;
  AuthService auth_;
};

TEST_F(AuthServiceTest, CredentialsFromHeaders) {
  Credentials c = Credentials::FromHeaders("a=b; fleet_session=tok; c=d", "", "");
  EXPECT_EQ(c.session_token, "tok");
  EXPECT_TRUE(c.api_key.empty());
  EXPECT_EQ(Credentials::FromHeaders("", "bearer fk_x", "").api_key, "fk_x");
  EXPECT_EQ(Credentials::FromHeaders("", "", " fk_y ").api_key, "fk_y");
  EXPECT_EQ(Credentials::FromHeaders("", "Basic abc", "").api_key, "Basic abc");  // fails as malformed
  EXPECT_TRUE(Credentials::FromHeaders("other=1", "", "").empty());
}

TEST_F(AuthServiceTest, BootstrapCreatesTheFirstAdminOnce) {
  EXPECT_FALSE(auth_.Bootstrap("nocolon").ok());
  EXPECT_FALSE(auth_.Bootstrap("admin:short").ok());
  EXPECT_FALSE(auth_.Bootstrap("bad name:longenough").ok());
  ASSERT_TRUE(*auth_.Bootstrap("admin:s3cret-pass"));
  EXPECT_FALSE(*auth_.Bootstrap("admin2:s3cret-pass"));
  auto u = store_.GetUser("admin");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->role, Role::kAdmin);
  EXPECT_NE(u->password_hash.find("pbkdf2-sha256$1000$"), std::string::npos);
  EXPECT_EQ(u->password_hash.find("s3cret"), std::string::npos);
  EXPECT_TRUE(auth_.SignIn("admin", "s3cret-pass").ok());
}

TEST_F(AuthServiceTest, SignInAuthenticateExpireSignOut) {
  ASSERT_TRUE(auth_.CreateUser("alice", "Alice", "operator", "password1").ok());
  for (auto [user, pw] : {std::pair{"alice", "wrong-password"}, std::pair{"nobody", "password1"}, std::pair{"", ""}}) {
    auto bad = auth_.SignIn(user, pw);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(status::Reason(bad.status()), "AUTH_BAD_CREDENTIALS");
  }
  auto s = auth_.SignIn("alice", "password1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->token.size(), 64u);  // 256 bits
  EXPECT_EQ(s->expire_time, now_ + absl::Hours(1));
  EXPECT_TRUE(store_.GetSession(s->token).status().code() == absl::StatusCode::kNotFound);  // stored hashed
  EXPECT_TRUE(store_.GetSession(Sha256Hex(s->token)).ok());

  auto p = auth_.Authenticate(Cookie(s->token));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "alice");
  EXPECT_EQ(p->role, Role::kOperator);
  EXPECT_EQ(p->kind, Principal::Kind::kUser);

  EXPECT_EQ(status::Reason(auth_.Authenticate({}).status()), "AUTH_REQUIRED");
  EXPECT_EQ(Problem(auth_.Authenticate(Cookie("forged")).status()), "unknown");

  now_ += absl::Hours(1);
  auto expired = auth_.Authenticate(Cookie(s->token));
  EXPECT_EQ(status::Reason(expired.status()), "AUTH_INVALID");
  EXPECT_EQ(Problem(expired.status()), "expired");

  now_ -= absl::Minutes(30);
  ASSERT_TRUE(auth_.SignOut(s->token).ok());
  EXPECT_EQ(Problem(auth_.Authenticate(Cookie(s->token)).status()), "unknown");
}

TEST_F(AuthServiceTest, ChangingAUserEndsTheirSessions) {
  ASSERT_TRUE(auth_.CreateUser("bob", "", "operator", "password1").ok());
  auto s = auth_.SignIn("bob", "password1");
  ASSERT_TRUE(auth_.Authenticate(Cookie(s->token)).ok());  // now cached
  ASSERT_TRUE(auth_.UpdateUser("bob", {.role = Role::kViewer}).ok());
  EXPECT_FALSE(auth_.Authenticate(Cookie(s->token)).ok());
  s = auth_.SignIn("bob", "password1");
  auto p = auth_.Authenticate(Cookie(s->token));
  EXPECT_EQ(p->role, Role::kViewer);
  ASSERT_TRUE(auth_.UpdateUser("bob", {.disabled = true}).ok());
  EXPECT_FALSE(auth_.Authenticate(Cookie(s->token)).ok());
  EXPECT_EQ(status::Reason(auth_.SignIn("bob", "password1").status()), "AUTH_BAD_CREDENTIALS");
  ASSERT_TRUE(auth_.UpdateUser("bob", {.password = std::string("password2"), .disabled = false}).ok());
  EXPECT_FALSE(auth_.SignIn("bob", "password1").ok());
  EXPECT_TRUE(auth_.SignIn("bob", "password2").ok());
}

TEST_F(AuthServiceTest, UserValidation) {
  EXPECT_EQ(status::Reason(auth_.CreateUser("a b", "", "viewer", "password1").status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(auth_.CreateUser("x", "", "third_party", "password1").status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(auth_.CreateUser("x", "", "root", "password1").status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(auth_.CreateUser("x", "", "viewer", "short").status()), "INVALID_FIELD");
  ASSERT_TRUE(auth_.CreateUser("x", "", "viewer", "password1").ok());
  EXPECT_EQ(status::Reason(auth_.CreateUser("x", "", "viewer", "password1").status()), "USER_ALREADY_EXISTS");
}

TEST_F(AuthServiceTest, ApiKeysAuthenticateUntilRevokedOrExpired) {
  ApiKey spec = Spec({"devices.read"});
  spec.expire_time = now_ + absl::Hours(2);
  spec.scope.device_ids = {"gw-1"};
  auto k = auth_.CreateKey(spec, "admin");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->plaintext.rfind("fk_" + k->key.id + "_", 0), 0u);
  EXPECT_EQ(store_.GetKey(k->key.id)->secret_hash, Sha256Hex(k->plaintext.substr(20)));

  auto p = auth_.Authenticate(Bearer(k->plaintext));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, Role::kThirdParty);
  EXPECT_EQ(p->Actor(), "apiKey:" + k->key.id);
  EXPECT_EQ(p->scope.device_ids, std::vector<std::string>{"gw-1"});
  EXPECT_TRUE(auth_.Authenticate(Credentials::FromHeaders("", "", k->plaintext)).ok());

  std::string wrong_secret = k->plaintext;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  EXPECT_EQ(Problem(auth_.Authenticate(Bearer(wrong_secret)).status()), "unknown");
  EXPECT_EQ(Problem(auth_.Authenticate(Bearer("fk_nope")).status()), "malformed");

  now_ += absl::Hours(2);
  EXPECT_EQ(Problem(auth_.Authenticate(Bearer(k->plaintext)).status()), "expired");
  now_ -= absl::Hours(1);
  ASSERT_TRUE(auth_.RevokeKey(k->key.id).ok());
  EXPECT_EQ(Problem(auth_.Authenticate(Bearer(k->plaintext)).status()), "revoked");
}

TEST_F(AuthServiceTest, RotateIssuesANewKeyAndRevokesTheOld) {
  auto k = auth_.CreateKey(Spec({"devices.read", "presence.read"}), "admin");
  ASSERT_TRUE(auth_.Authenticate(Bearer(k->plaintext)).ok());
  auto r = auth_.RotateKey(k->key.id, "admin2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->key.id, k->key.id);
  EXPECT_EQ(r->key.scope.route_classes, k->key.scope.route_classes);
  EXPECT_EQ(r->key.created_by, "admin2");
  EXPECT_EQ(Problem(auth_.Authenticate(Bearer(k->plaintext)).status()), "revoked");
  EXPECT_TRUE(auth_.Authenticate(Bearer(r->plaintext)).ok());
  EXPECT_EQ(store_.GetKey(k->key.id)->replaced_by, r->key.id);
  EXPECT_EQ(auth_.RotateKey(k->key.id, "admin").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(AuthServiceTest, KeySpecValidation) {
  EXPECT_FALSE(auth_.CreateKey(Spec({}), "a").ok());
  EXPECT_FALSE(auth_.CreateKey(Spec({"access.admin"}), "a").ok());    // admin-only
  EXPECT_FALSE(auth_.CreateKey(Spec({"devices.delete"}), "a").ok());  // admin-only
  EXPECT_FALSE(auth_.CreateKey(Spec({"nonsense"}), "a").ok());
  ApiKey bad_device = Spec({"devices.read"});
  bad_device.scope.device_ids = {"no spaces"};
  EXPECT_FALSE(auth_.CreateKey(bad_device, "a").ok());
  ApiKey bad_limits = Spec({"devices.read"});
  bad_limits.rate_limits = "lots";
  auto st = auth_.CreateKey(bad_limits, "a").status();
  EXPECT_EQ(status::Metadata(st)["field"], "rateLimits");
  ApiKey past = Spec({"devices.read"});
  past.expire_time = now_ - absl::Seconds(1);
  EXPECT_FALSE(auth_.CreateKey(past, "a").ok());
  EXPECT_TRUE(auth_.CreateKey(Spec({"devices.read", "tunnels.write", "config.write"}), "a").ok());
}

TEST_F(AuthServiceTest, StoreOutagesAreUnavailableNotUnauthenticated) {
  ASSERT_TRUE(auth_.CreateUser("carol", "", "viewer", "password1").ok());
  auto s = auth_.SignIn("carol", "password1");
  store_.FailWith(absl::UnavailableError("db down"));
  AuthService fresh(store_, {.password_iterations = 1000});  // no cache
  EXPECT_EQ(fresh.Authenticate(Cookie(s->token)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fresh.SignIn("carol", "password1").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::bff::auth
