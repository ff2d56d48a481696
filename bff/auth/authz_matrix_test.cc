// The authorization matrix: every registered route x every kind of caller. The table below is
// the specification; bff/auth/policy.cc must agree with it, and every route the Api registers
// must appear in both (a route added without a policy entry fails here).
#include <set>

#include "absl/strings/str_replace.h"
#include "bff/api_test_support.h"
#include "bff/auth/gate.h"
#include "bff/auth/policy.h"
#include "gtest/gtest.h"

namespace fleet::bff::auth {
namespace {

// min: P public, S any valid credential, V viewer+, O operator+, A admin only.
// dev: '-' not about one device, D the {device} path variable, F fleet-wide.
struct Spec {
  const char* method;
  const char* pattern;
  char min;
  const char* route_class;
  char dev;
};

const Spec kSpec[] = {
    {"GET", "/healthz", 'P', "system", '-'},
    {"GET", "/readyz", 'P', "system", '-'},
    {"GET", "/metrics", 'P', "system", '-'},
    {"GET", "/openapi.json", 'P', "system", '-'},
    {"GET", "/", 'P', "system", '-'},
    {"GET", "/assets/{file}", 'P', "system", '-'},
    {"POST", "/v1/sessions", 'P', "session", '-'},
    {"DELETE", "/v1/sessions/current", 'S', "session", '-'},
    {"GET", "/v1/me", 'S', "session", '-'},
    {"POST", "/v1/devices", 'O', "devices.write", 'F'},
    {"GET", "/v1/devices", 'V', "devices.read", 'F'},
    {"GET", "/v1/devices/{device}", 'V', "devices.read", 'D'},
    {"PATCH", "/v1/devices/{device}", 'O', "devices.write", 'D'},
    {"DELETE", "/v1/devices/{device}", 'A', "devices.delete", 'D'},
    {"POST", "/v1/devices:batchGet", 'V', "devices.read", 'F'},
    {"GET", "/v1/devices:batchGet", 'V', "devices.read", 'F'},
    {"POST", "/v1/devices:import", 'O', "devices.write", 'F'},
    {"GET", "/v1/devices/{device}:overview", 'V', "devices.read", 'D'},
    {"GET", "/v1/devices/{device}/presence", 'V', "presence.read", 'D'},
    {"GET", "/v1/devices/{device}/presence/history", 'V', "presence.read", 'D'},
    {"GET", "/v1/presence", 'V', "presence.read", 'F'},
    {"GET", "/v1/devices/{device}/config", 'V', "config.read", 'D'},
    {"POST", "/v1/devices/{device}/config:apply", 'O', "config.write", 'D'},
    {"POST", "/v1/devices/{device}/config:rollback", 'O', "config.write", 'D'},
    {"GET", "/v1/devices/{device}/config:diff", 'V', "config.read", 'D'},
    {"GET", "/v1/devices/{device}/config/versions", 'V', "config.read", 'D'},
    {"GET", "/v1/devices/{device}/config/versions:diff", 'V', "config.read", 'D'},
    {"GET", "/v1/devices/{device}/config/versions/{version}", 'V', "config.read", 'D'},
    {"GET", "/v1/configTemplates", 'V', "config.read", '-'},
    {"GET", "/v1/configTemplates/global", 'V', "config.read", '-'},
    {"PUT", "/v1/configTemplates/global", 'O', "config.write", 'F'},
    {"DELETE", "/v1/configTemplates/global", 'O', "config.write", 'F'},
    {"GET", "/v1/configTemplates/groups/{group}", 'V', "config.read", '-'},
    {"PUT", "/v1/configTemplates/groups/{group}", 'O', "config.write", 'F'},
    {"DELETE", "/v1/configTemplates/groups/{group}", 'O', "config.write", 'F'},
    {"GET", "/v1/configTemplates/labels/{label}", 'V', "config.read", '-'},
    {"PUT", "/v1/configTemplates/labels/{label}", 'O', "config.write", 'F'},
    {"DELETE", "/v1/configTemplates/labels/{label}", 'O', "config.write", 'F'},
    {"POST", "/v1/devices/{device}/tunnels", 'O', "tunnels.write", 'D'},
    {"GET", "/v1/tunnels", 'V', "tunnels.read", 'F'},
    {"GET", "/v1/tunnels/{tunnel}", 'V', "tunnels.read", 'F'},
    {"POST", "/v1/tunnels/{tunnel}:extend", 'O', "tunnels.write", 'F'},
    {"POST", "/v1/tunnels/{tunnel}:close", 'O', "tunnels.write", 'F'},
    {"GET", "/v1/devices/{device}/ssh", 'O', "tunnels.write", 'D'},
    {"POST", "/v1/devices/{device}/camera:rotate", 'O', "camera", 'D'},
    {"POST", "/v1/devices/{device}/camera:zoom", 'O', "camera", 'D'},
    {"POST", "/v1/devices/{device}/camera:startStream", 'O', "camera", 'D'},
    {"POST", "/v1/devices/{device}/camera:stopStream", 'O', "camera", 'D'},
    {"POST", "/v1/devices/{device}/camera:snapshot", 'O', "camera", 'D'},
    {"POST", "/v1/artifacts", 'A', "artifacts.admin", '-'},
    {"GET", "/v1/artifacts", 'V', "campaigns.read", 'F'},
    {"GET", "/v1/artifacts/{artifact}", 'V', "campaigns.read", 'F'},
    {"DELETE", "/v1/artifacts/{artifact}", 'A', "artifacts.admin", '-'},
    {"POST", "/v1/campaigns", 'O', "campaigns.write", 'F'},
    {"GET", "/v1/campaigns", 'V', "campaigns.read", 'F'},
    {"GET", "/v1/campaigns/{campaign}", 'V', "campaigns.read", 'F'},
    {"POST", "/v1/campaigns/{campaign}:pause", 'O', "campaigns.write", 'F'},
    {"POST", "/v1/campaigns/{campaign}:resume", 'O', "campaigns.write", 'F'},
    {"POST", "/v1/campaigns/{campaign}:cancel", 'O', "campaigns.write", 'F'},
    {"GET", "/v1/campaigns/{campaign}/executions", 'V', "campaigns.read", 'F'},
    {"GET", "/v1/campaigns/{campaign}/batches", 'V', "campaigns.read", 'F'},
    {"GET", "/v1/campaigns/{campaign}/timeline", 'V', "campaigns.read", 'F'},
    {"GET", "/v1/devices/{device}/executions", 'V', "campaigns.read", 'D'},
    {"GET", "/v1/devices/{device}/timeline", 'V', "campaigns.read", 'D'},
    {"GET", "/v1/users", 'A', "access.admin", '-'},
    {"POST", "/v1/users", 'A', "access.admin", '-'},
    {"GET", "/v1/users/{user}", 'A', "access.admin", '-'},
    {"PATCH", "/v1/users/{user}", 'A', "access.admin", '-'},
    {"DELETE", "/v1/users/{user}", 'A', "access.admin", '-'},
    {"GET", "/v1/apiKeys", 'A', "access.admin", '-'},
    {"POST", "/v1/apiKeys", 'A', "access.admin", '-'},
    {"GET", "/v1/apiKeys/{key}", 'A', "access.admin", '-'},
    {"POST", "/v1/apiKeys/{key}:revoke", 'A', "access.admin", '-'},
    {"POST", "/v1/apiKeys/{key}:rotate", 'A', "access.admin", '-'},
    {"GET", "/v1/apiKeys/{key}/calls", 'A', "access.admin", '-'},
    {"GET", "/v1/auditLogs", 'A', "access.admin", '-'},
};

const Spec* FindSpec(const std::string& method, const std::string& pattern) {
  for (const Spec& s : kSpec) {
    if (s.method == method && s.pattern == pattern) return &s;
  }
  return nullptr;
}

enum class Who {
  kAnonymous, kAdmin, kOperator, kViewer,
  kKeyAllClasses,     // third party, every grantable class, any device
  kKeyDevicesRead,    // third party, devices.read only
  kKeyGw1,            // third party, every grantable class, device gw-1 only
  kKeyGw1OnGw2,       // the same key calling about gw-2
  kExpiredKey, kRevokedKey, kExpiredSession, kDisabledUser, kMalformedKey, kForgedCookie,
};
const Who kEveryone[] = {Who::kAnonymous, Who::kAdmin, Who::kOperator, Who::kViewer, Who::kKeyAllClasses,
                         Who::kKeyDevicesRead, Who::kKeyGw1, Who::kKeyGw1OnGw2, Who::kExpiredKey,
                         Who::kRevokedKey, Who::kExpiredSession, Who::kDisabledUser, Who::kMalformedKey,
                         Who::kForgedCookie};
const char* Name(Who w) {
  static const char* names[] = {"anonymous", "admin", "operator", "viewer", "key(all classes)",
                                "key(devices.read)", "key(gw-1)", "key(gw-1) on gw-2", "expired key",
                                "revoked key", "expired session", "disabled user", "malformed key",
                                "forged cookie"};
  return names[static_cast<int>(w)];
}

const std::vector<std::string> kGrantable = {"devices.read", "devices.write", "presence.read", "config.read",
                                             "config.write", "tunnels.read", "tunnels.write", "camera",
                                             "campaigns.read", "campaigns.write"};

// "" = allowed; otherwise "<status> <reason>".
std::string Expected(const Spec& s, Who w) {
  if (s.min == 'P') return "";
  switch (w) {
    case Who::kAnonymous: return "401 AUTH_REQUIRED";
    case Who::kExpiredKey: case Who::kRevokedKey: case Who::kExpiredSession: case Who::kDisabledUser:
    case Who::kMalformedKey: case Who::kForgedCookie:
      return "401 AUTH_INVALID";
    default: break;
  }
  if (s.min == 'S' || w == Who::kAdmin) return "";
  const std::string forbidden = "403 AUTH_FORBIDDEN";
  switch (w) {
    case Who::kOperator: return s.min == 'A' ? forbidden : "";
    case Who::kViewer: return s.min == 'V' ? "" : forbidden;
    case Who::kKeyAllClasses: return s.min == 'A' ? forbidden : "";
    case Who::kKeyDevicesRead: return std::string(s.route_class) == "devices.read" ? "" : forbidden;
    case Who::kKeyGw1: return s.min == 'A' || s.dev == 'F' ? forbidden : "";
    case Who::kKeyGw1OnGw2: return s.min == 'A' || s.dev != '-' ? forbidden : "";
    default: return "?";
  }
}

class AuthzMatrixTest : public testing::ApiHarness {
 protected:
  AuthzMatrixTest() {
    registry_.Add("gw-1");
    registry_.Add("gw-2");
    target_key_ = (access_.KeyOf({"devices.read"}), access_.last_key_id);
  }

  std::map<std::string, std::string> CredentialsOf(Who w) {
    switch (w) {
      case Who::kAnonymous: return {};
      case Who::kAdmin: return access_.SessionOf("admin", "admin");
      case Who::kOperator: return access_.SessionOf("olga", "operator");
      case Who::kViewer: return access_.SessionOf("victor", "viewer");
      case Who::kKeyAllClasses: return access_.KeyOf(kGrantable);
      case Who::kKeyDevicesRead: return access_.KeyOf({"devices.read"});
      case Who::kKeyGw1: case Who::kKeyGw1OnGw2: return access_.KeyOf(kGrantable, {"gw-1"});
      case Who::kExpiredKey: {
        auto h = access_.KeyOf(kGrantable, {}, access_.Now() + absl::Minutes(1));
        access_.Advance(absl::Minutes(2));
        return h;
      }
      case Who::kRevokedKey: {
        auto h = access_.KeyOf(kGrantable);
        EXPECT_TRUE(access_.auth_.RevokeKey(access_.last_key_id).ok());
        return h;
      }
      case Who::kExpiredSession: {
        auto h = access_.SessionOf("admin", "admin");
        access_.Advance(absl::Hours(1) + absl::Seconds(1));
        return h;
      }
      case Who::kDisabledUser: {
        auto h = access_.SessionOf("dora", "admin");
        EXPECT_TRUE(access_.auth_.UpdateUser("dora", {.disabled = true}).ok());
        EXPECT_TRUE(access_.auth_.UpdateUser("dora", {.disabled = false}).ok());  // sessions stay ended
        return h;
      }
      case Who::kMalformedKey: return {{"x-api-key", "fk_not_a_key"}};
      case Who::kForgedCookie: return {{"cookie", "fleet_session=" + std::string(64, 'a')}};
    }
    return {};
  }

  std::string PathOf(const std::string& pattern, Who w) {
    return absl::StrReplaceAll(pattern, {{"{device}", w == Who::kKeyGw1OnGw2 ? "gw-2" : "gw-1"},
                                         {"{tunnel}", "t-1"},
                                         {"{version}", "1"},
                                         {"{group}", "g1"},
                                         {"{label}", "site=a"},
                                         {"{user}", "target-user"},
                                         {"{campaign}", "c-1"},
                                         {"{artifact}", "a-1"},
                                         {"{key}", target_key_}});
  }

  std::string target_key_;
};

TEST_F(AuthzMatrixTest, EveryRouteHasAPolicyEntryMatchingTheSpec) {
  ASSERT_TRUE(api_.CheckPolicy().ok()) << api_.CheckPolicy();
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& [method, pattern] : api_.router().Routes()) {
    registered.insert({method, pattern});
    const PolicyEntry* e = FindPolicy(method, pattern);
    ASSERT_NE(e, nullptr) << "no policy entry for " << method << " " << pattern << " (bff/auth/policy.cc)";
    const Spec* s = FindSpec(method, pattern);
    ASSERT_NE(s, nullptr) << "no row in kSpec for " << method << " " << pattern;
    const char min = e->permission == Permission::kPublic          ? 'P'
                     : e->permission == Permission::kAuthenticated ? 'S'
                     : e->permission == Permission::kViewer        ? 'V'
                     : e->permission == Permission::kOperator      ? 'O'
                                                                   : 'A';
    const char dev = e->device == DeviceScope::kNone ? '-' : e->device == DeviceScope::kPathVar ? 'D' : 'F';
    EXPECT_EQ(min, s->min) << method << " " << pattern;
    EXPECT_EQ(e->route_class, s->route_class) << method << " " << pattern;
    EXPECT_EQ(dev, s->dev) << method << " " << pattern;
  }
  for (const PolicyEntry& e : Policy()) {
    EXPECT_TRUE(registered.count({e.method, e.pattern})) << "stale policy entry " << e.method << " " << e.pattern;
  }
  for (const Spec& s : kSpec) {
    EXPECT_TRUE(registered.count({s.method, s.pattern})) << "stale spec row " << s.method << " " << s.pattern;
  }
}

TEST_F(AuthzMatrixTest, EveryRouteTimesEveryCaller) {
  ASSERT_TRUE(access_.auth_.CreateUser("target-user", "", "viewer", "password-x").ok());
  int cells = 0;
  for (const auto& [method, pattern] : api_.router().Routes()) {
    const Spec* s = FindSpec(method, pattern);
    ASSERT_NE(s, nullptr) << method << " " << pattern;
    for (Who w : kEveryone) {
      std::map<std::string, std::string> headers = CredentialsOf(w);
      http::Response r = CallAnonymous(method, PathOf(pattern, w), {}, headers, "{}");
      const std::string reason = r.status >= 400 ? Reason(r) : "";
      const bool denied = (r.status == 401 && (reason == "AUTH_REQUIRED" || reason == "AUTH_INVALID")) ||
                          r.status == 403;
      const std::string got = denied ? std::to_string(r.status) + " " + reason : "";
      EXPECT_EQ(got, Expected(*s, w)) << Name(w) << " " << method << " " << pattern << " -> " << r.status << " "
                                      << r.body;
      EXPECT_NE(r.status, 500) << Name(w) << " " << method << " " << pattern << " " << r.body;
      access_.SetNow(absl::FromUnixSeconds(1'800'000'000));  // undo clock moves
      ++cells;
    }
  }
  EXPECT_EQ(cells, static_cast<int>(std::size(kSpec) * std::size(kEveryone)));
}

TEST_F(AuthzMatrixTest, LabelScopedKeysAreCheckedAgainstTheRegistry) {
  (*registry_.devices["gw-1"].mutable_labels())["site"] = "north";
  (*registry_.devices["gw-2"].mutable_labels())["site"] = "south";
  auth::ApiKey spec;
  spec.scope.route_classes = {"devices.read", "presence.read"};
  spec.scope.device_labels = {{"site", "north"}};
  auto k = access_.auth_.CreateKey(spec, "admin");
  ASSERT_TRUE(k.ok());
  const std::map<std::string, std::string> key{{"x-api-key", k->plaintext}};
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, key).status, 200);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/presence", {}, key).status, 200);
  http::Response other = Call("GET", "/v1/devices/gw-2", {}, key);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(Reason(other), "AUTH_FORBIDDEN");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-404", {}, key).status, 403);
  EXPECT_EQ(Call("GET", "/v1/devices", {}, key).status, 403);  // fleet-wide list
  registry_.fail = absl::UnavailableError("registry down");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1", {}, key).status, 503);  // fails closed, retryable
}

TEST_F(AuthzMatrixTest, ARouteWithoutPolicyIsRefused) {
  prometheus::Registry registry;
  Gate gate(&access_.auth_, nullptr, nullptr, nullptr, nullptr, {}, registry);
  http::Request r;
  r.method = "GET";
  r.path = "/v1/unlisted";
  r.headers = admin_;
  Admission a = gate.Admit(r, "/v1/unlisted", {});
  ASSERT_TRUE(a.reject.has_value());
  EXPECT_EQ(a.reject->status, 500);
  EXPECT_EQ(Reason(*a.reject), "AUTH_NO_POLICY");
}

}  // namespace
}  // namespace fleet::bff::auth
