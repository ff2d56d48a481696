#include "bff/config_routes.h"

#include "bff/api_test_support.h"
#include "bff/grpc_call.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

class ConfigRoutesTest : public testing::ApiHarness {
 protected:
  static std::string Field(const http::Response& r) {
    return Parse(r.body)["error"]["details"][0]["metadata"]["field"].GetString();
  }
  static std::string Meta(const http::Response& r, const char* key) {
    return Parse(r.body)["error"]["details"][0]["metadata"][key].GetString();
  }
  const std::map<std::string, std::string> alice_ = access_.SessionOf("alice@ops", "operator");
};

// --- device config ---

TEST_F(ConfigRoutesTest, GetConfigShowsDesiredReportedAndEffective) {
  http::Response r = Call("GET", "/v1/devices/gw-1/config", {}, {{"x-request-id", "rq-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.last_get.device(), "devices/gw-1");
  EXPECT_EQ(config_.last_context.request_id, "rq-1");
  EXPECT_GT(config_.last_context.deadline, absl::Now());
  // Numbers reach the client verbatim (no double round trip).
  EXPECT_NE(r.body.find(R"("config":{"big":12345678901234567890123,)"), std::string::npos) << r.body;
  auto d = Parse(r.body);
  EXPECT_STREQ(d["name"].GetString(), "devices/gw-1/config");
  EXPECT_STREQ(d["desired"]["version"].GetString(), "3");
  EXPECT_STREQ(d["desired"]["config"]["kafka"]["cluster"].GetString(), "k2");
  EXPECT_STREQ(d["desired"]["author"].GetString(), "alice");
  EXPECT_STREQ(d["desired"]["comment"].GetString(), "move to k2");
  EXPECT_STREQ(d["desired"]["createTime"].GetString(), "2023-11-14T22:13:20Z");
  EXPECT_FALSE(d["desired"].HasMember("bodyJson"));
  EXPECT_STREQ(d["reported"]["version"].GetString(), "2");
  EXPECT_STREQ(d["reported"]["status"].GetString(), "APPLIED");
  EXPECT_STREQ(d["reported"]["hash"].GetString(), "abc");
  EXPECT_STREQ(d["reported"]["time"].GetString(), "2023-11-14T22:15:00Z");
  EXPECT_TRUE(d["effectiveConfig"]["ntp"].GetBool());
  EXPECT_STREQ(d["effectiveHash"].GetString(), "def");
  EXPECT_FALSE(d["inSync"].GetBool());
  EXPECT_STREQ(d["syncState"].GetString(), "FAILED");
  EXPECT_STREQ(d["failure"]["version"].GetString(), "3");
  EXPECT_STREQ(d["failure"]["reason"].GetString(), "disk full");
  EXPECT_FALSE(d["failure"].HasMember("time"));
  ASSERT_EQ(d["templates"].Size(), 2u);
  EXPECT_STREQ(d["templates"][1].GetString(), "configTemplates/groups/north");
}

TEST_F(ConfigRoutesTest, GetConfigErrors) {
  config_.fail = status::MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "no such device",
                                   {{"device_id", "nope"}});
  http::Response r = Call("GET", "/v1/devices/nope/config");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Reason(r), "DEVICE_NOT_FOUND");
  config_.fail = NotConfigured("device-config");
  http::Response u = Call("GET", "/v1/devices/gw-1/config");
  EXPECT_EQ(u.status, 503);
  EXPECT_STREQ(Parse(u.body)["error"]["message"].GetString(), "device-config is not configured");
}

TEST_F(ConfigRoutesTest, ApplySendsTheConfigAsJsonText) {
  http::Response r = Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_,
                          R"({"config": {"kafka": {"cluster": "k2"}, "n": 12345678901234567890123},
                              "expectedVersion": 7, "comment": "move"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.last_set.device(), "devices/gw-1");
  EXPECT_EQ(config_.last_set.body_json(), R"({"kafka":{"cluster":"k2"},"n":12345678901234567890123})");
  ASSERT_TRUE(config_.last_set.has_expected_version());
  EXPECT_EQ(config_.last_set.expected_version(), 7);
  EXPECT_EQ(config_.last_set.author(), "alice@ops");
  EXPECT_EQ(config_.last_set.comment(), "move");
  auto d = Parse(r.body);
  EXPECT_STREQ(d["version"].GetString(), "8");
  EXPECT_STREQ(d["config"]["kafka"]["cluster"].GetString(), "k2");
  EXPECT_STREQ(d["author"].GetString(), "alice@ops");

  ASSERT_EQ(Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, R"({"config":{}})").status, 200);
  EXPECT_FALSE(config_.last_set.has_expected_version());
  ASSERT_EQ(Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, R"({"config":{},"expectedVersion":0})").status,
            200);
  EXPECT_TRUE(config_.last_set.has_expected_version());  // 0 = "no version yet" is an expectation too
  EXPECT_EQ(config_.last_set.expected_version(), 0);
}

TEST_F(ConfigRoutesTest, ApplyConflictIs409WithTheCurrentVersion) {
  config_.fail = status::MakeError(absl::StatusCode::kAborted, "CONFIG_VERSION_MISMATCH", "desired version is 9",
                                   {{"device_id", "gw-1"}, {"current_version", "9"}});
  http::Response r =
      Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, R"({"config":{"a":1},"expectedVersion":7})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Reason(r), "CONFIG_VERSION_MISMATCH");
  EXPECT_EQ(Meta(r, "current_version"), "9");
}

TEST_F(ConfigRoutesTest, ApplyNeedsTheOperator) {
  http::Response none = CallAnonymous("POST", "/v1/devices/gw-1/config:apply", {}, {}, R"({"config":{}})");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Reason(none), "AUTH_REQUIRED");
  http::Response header_only =
      CallAnonymous("POST", "/v1/devices/gw-1/config:apply", {}, {{"x-fleet-operator", "alice"}}, R"({"config":{}})");
  EXPECT_EQ(header_only.status, 401);  // the old interim header is no credential
  http::Response viewer = Call("POST", "/v1/devices/gw-1/config:apply", {}, access_.SessionOf("victor", "viewer"),
                               R"({"config":{}})");
  EXPECT_EQ(viewer.status, 403);
  EXPECT_EQ(Reason(viewer), "AUTH_FORBIDDEN");
  EXPECT_EQ(config_.last_set.device(), "");  // nothing reached the service
}

TEST_F(ConfigRoutesTest, ApplyRejectsBadBodies) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "body"},
      {"{", "body"},
      {"[]", "body"},
      {R"({"comment":"no config"})", "config"},
      {R"({"config":"{\"a\":1}"})", "config"},  // a string holding JSON is not an object
      {R"({"config":[1,2]})", "config"},
      {R"({"config":3})", "config"},
      {R"({"config":null})", "config"},
      {R"({"config":{},"expectedVersion":"seven"})", "expectedVersion"},
      {R"({"config":{},"expectedVersion":1.5})", "expectedVersion"},
      {R"({"config":{},"comment":5})", "comment"},
      {R"({"config":{},"author":"mallory"})", "author"},
      {R"({"config":{},"config":{}})", "config"},
  };
  for (const auto& [body, field] : cases) {
    http::Response r = Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(Reason(r), "INVALID_FIELD") << body;
    EXPECT_EQ(Field(r), field) << body;
  }
  EXPECT_EQ(config_.last_set.device(), "");  // none reached the service

  config_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "CONFIG_INVALID", "too deep",
                                   {{"field", "body_json"}, {"path", "/a/b"}});
  http::Response invalid = Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, R"({"config":{"a":{}}})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(Reason(invalid), "CONFIG_INVALID");
  EXPECT_EQ(Meta(invalid, "path"), "/a/b");
}

TEST_F(ConfigRoutesTest, Rollback) {
  http::Response r = Call("POST", "/v1/devices/gw-1/config:rollback", {}, alice_,
                          R"({"version":2,"expectedVersion":"8","comment":"undo"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.last_rollback.device(), "devices/gw-1");
  EXPECT_EQ(config_.last_rollback.version(), 2);
  EXPECT_EQ(config_.last_rollback.expected_version(), 8);
  EXPECT_EQ(config_.last_rollback.author(), "alice@ops");
  EXPECT_EQ(config_.last_rollback.comment(), "undo");
  auto d = Parse(r.body);
  EXPECT_STREQ(d["version"].GetString(), "9");
  EXPECT_EQ(d["config"]["a"].GetInt(), 1);

  for (const char* bad : {"", "{}", R"({"version":0})", R"({"version":"x"})", R"({"version":2,"config":{}})"}) {
    EXPECT_EQ(Call("POST", "/v1/devices/gw-1/config:rollback", {}, alice_, bad).status, 400) << bad;
  }
  EXPECT_EQ(CallAnonymous("POST", "/v1/devices/gw-1/config:rollback", {}, {}, R"({"version":2})").status, 401);
  config_.fail = status::MakeError(absl::StatusCode::kNotFound, "CONFIG_VERSION_NOT_FOUND", "gone",
                                   {{"version", "2"}});
  http::Response nf = Call("POST", "/v1/devices/gw-1/config:rollback", {}, alice_, R"({"version":2})");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "CONFIG_VERSION_NOT_FOUND");
  config_.fail = status::MakeError(absl::StatusCode::kAborted, "CONFIG_VERSION_MISMATCH", "moved",
                                   {{"current_version", "10"}});
  http::Response conflict =
      Call("POST", "/v1/devices/gw-1/config:rollback", {}, alice_, R"({"version":2,"expectedVersion":8})");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Meta(conflict, "current_version"), "10");
}

// --- versions ---

TEST_F(ConfigRoutesTest, ListVersionsPagesNewestFirst) {
  http::Response r = Call("GET", "/v1/devices/gw-1/config/versions", {{"page_size", "2"}, {"page_token", "t"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.last_list_versions.device(), "devices/gw-1");
  EXPECT_EQ(config_.last_list_versions.page_size(), 2);
  EXPECT_EQ(config_.last_list_versions.page_token(), "t");
  auto d = Parse(r.body);
  ASSERT_EQ(d["versions"].Size(), 2u);
  EXPECT_STREQ(d["versions"][0]["version"].GetString(), "2");
  EXPECT_EQ(d["versions"][0]["config"]["b"][1].GetInt(), 2);
  EXPECT_TRUE(d["versions"][1]["config"].IsObject());
  EXPECT_STREQ(d["nextPageToken"].GetString(), "older");

  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config/versions", {{"page_size", "x"}}).status, 400);
  config_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN", "bad token");
  EXPECT_EQ(Reason(Call("GET", "/v1/devices/gw-1/config/versions", {{"page_token", "zz"}})), "INVALID_PAGE_TOKEN");
}

TEST_F(ConfigRoutesTest, GetVersion) {
  http::Response r = Call("GET", "/v1/devices/gw-1/config/versions/5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.last_get_version.device(), "devices/gw-1");
  EXPECT_EQ(config_.last_get_version.version(), 5);
  auto d = Parse(r.body);
  EXPECT_STREQ(d["name"].GetString(), "devices/gw-1/config/versions/5");
  EXPECT_EQ(d["config"]["a"].GetInt(), 1);

  for (const char* bad : {"x", "-1", "1.5", "99999999999999999999"}) {
    http::Response b = Call("GET", std::string("/v1/devices/gw-1/config/versions/") + bad);
    EXPECT_EQ(b.status, 400) << bad;
    EXPECT_EQ(Field(b), "version") << bad;
  }
  config_.fail = status::MakeError(absl::StatusCode::kNotFound, "CONFIG_VERSION_NOT_FOUND", "retention");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config/versions/1").status, 404);
}

TEST_F(ConfigRoutesTest, DiffOnBothPaths) {
  for (const char* path : {"/v1/devices/gw-1/config/versions:diff", "/v1/devices/gw-1/config:diff"}) {
    config_.last_diff.Clear();
    http::Response r = Call("GET", path, {{"from", "1"}, {"to", "3"}});
    ASSERT_EQ(r.status, 200) << path << r.body;
    EXPECT_EQ(config_.last_diff.device(), "devices/gw-1");
    EXPECT_EQ(config_.last_diff.from_version(), 1);
    EXPECT_EQ(config_.last_diff.to_version(), 3);
    auto d = Parse(r.body);
    ASSERT_EQ(d["entries"].Size(), 2u);
    EXPECT_STREQ(d["entries"][0]["op"].GetString(), "CHANGED");
    EXPECT_STREQ(d["entries"][0]["path"].GetString(), "/kafka/cluster");
    EXPECT_STREQ(d["entries"][0]["oldValue"].GetString(), "k1");
    EXPECT_STREQ(d["entries"][0]["newValue"].GetString(), "k2");
    EXPECT_STREQ(d["entries"][1]["op"].GetString(), "ADDED");
    EXPECT_FALSE(d["entries"][1].HasMember("oldValue"));
    EXPECT_STREQ(d["entries"][1]["newValue"]["servers"][0].GetString(), "a");
  }
  config_.last_diff.Clear();
  for (const auto& q : std::vector<std::map<std::string, std::string>>{
           {}, {{"from", "1"}}, {{"to", "2"}}, {{"from", "a"}, {"to", "2"}}, {{"from", "1"}, {"to", "-2"}}}) {
    EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config:diff", q).status, 400);
  }
  EXPECT_EQ(config_.last_diff.device(), "");
}

// --- templates ---

TEST_F(ConfigRoutesTest, TemplateNamesOfEveryShape) {
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/configTemplates/global", "configTemplates/global"},
      {"/v1/configTemplates/groups/north", "configTemplates/groups/north"},
      {"/v1/configTemplates/labels/site=sh-01", "configTemplates/labels/site=sh-01"},
  };
  for (const auto& [path, name] : cases) {
    http::Response g = Call("GET", path);
    ASSERT_EQ(g.status, 200) << path << g.body;
    EXPECT_EQ(config_.last_get_template.name(), name);
    auto d = Parse(g.body);
    EXPECT_STREQ(d["name"].GetString(), name);
    EXPECT_STREQ(d["config"]["kafka"]["cluster"].GetString(), "k1");
    EXPECT_STREQ(d["revision"].GetString(), "4");

    ASSERT_EQ(Call("PUT", path, {}, alice_, R"({"config":{"a":1}})").status, 200) << path;
    EXPECT_EQ(config_.last_put_template.template_().name(), name);
    ASSERT_EQ(Call("DELETE", path, {}, alice_).status, 200) << path;
    EXPECT_EQ(config_.last_delete_template.name(), name);
  }
  EXPECT_EQ(Call("GET", "/v1/configTemplates/groups").status, 404);
  EXPECT_EQ(Call("GET", "/v1/configTemplates/other/x").status, 404);
}

TEST_F(ConfigRoutesTest, ListTemplates) {
  http::Response r = Call("GET", "/v1/configTemplates");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(config_.list_templates_calls, 1);
  auto d = Parse(r.body);
  ASSERT_EQ(d["templates"].Size(), 2u);
  EXPECT_STREQ(d["templates"][1]["name"].GetString(), "configTemplates/labels/site=sh-01");
  EXPECT_TRUE(d["templates"][1]["config"].IsObject());
}

TEST_F(ConfigRoutesTest, PutTemplateWithExpectedRevision) {
  http::Response r = Call("PUT", "/v1/configTemplates/groups/north", {}, alice_,
                          R"({"config":{"kafka":{"cluster":"k3"}},"expectedRevision":4})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& req = config_.last_put_template;
  EXPECT_EQ(req.template_().body_json(), R"({"kafka":{"cluster":"k3"}})");
  EXPECT_EQ(req.author(), "alice@ops");
  EXPECT_EQ(req.expected_revision(), 4);
  auto d = Parse(r.body);
  EXPECT_STREQ(d["revision"].GetString(), "5");
  EXPECT_STREQ(d["config"]["kafka"]["cluster"].GetString(), "k3");

  auto with_if_match = alice_;
  with_if_match["if-match"] = "\"6\"";
  ASSERT_EQ(Call("PUT", "/v1/configTemplates/global", {}, with_if_match, R"({"config":{}})").status, 200);
  EXPECT_EQ(config_.last_put_template.expected_revision(), 6);
  ASSERT_EQ(Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":{},"expectedRevision":0})").status,
            200);
  EXPECT_TRUE(config_.last_put_template.has_expected_revision());  // 0 = must not exist yet
  ASSERT_EQ(Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":{}})").status, 200);
  EXPECT_FALSE(config_.last_put_template.has_expected_revision());
}

TEST_F(ConfigRoutesTest, PutTemplateErrors) {
  auto differ = alice_;
  differ["if-match"] = "6";
  http::Response d = Call("PUT", "/v1/configTemplates/global", {}, differ, R"({"config":{},"expectedRevision":5})");
  EXPECT_EQ(d.status, 400);
  EXPECT_EQ(Field(d), "expectedRevision");
  auto bad_header = alice_;
  bad_header["if-match"] = "abc";
  EXPECT_EQ(Field(Call("PUT", "/v1/configTemplates/global", {}, bad_header, R"({"config":{}})")), "If-Match");
  EXPECT_EQ(Field(Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":[]})")), "config");
  EXPECT_EQ(Field(Call("PUT", "/v1/configTemplates/global", {}, alice_, "")), "body");
  EXPECT_EQ(Field(Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":{},"name":"x"})")), "name");
  EXPECT_EQ(CallAnonymous("PUT", "/v1/configTemplates/global", {}, {}, R"({"config":{}})").status, 401);
  EXPECT_EQ(config_.last_put_template.template_().name(), "");  // none reached the service

  config_.fail = status::MakeError(absl::StatusCode::kAborted, "TEMPLATE_REVISION_MISMATCH", "changed",
                                   {{"template", "global"}, {"current_revision", "7"}});
  http::Response c = Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":{},"expectedRevision":5})");
  EXPECT_EQ(c.status, 409);
  EXPECT_EQ(Meta(c, "current_revision"), "7");
}

TEST_F(ConfigRoutesTest, DeleteTemplate) {
  auto with_if_match = alice_;
  with_if_match["if-match"] = "W/\"4\"";
  ASSERT_EQ(Call("DELETE", "/v1/configTemplates/labels/site=a", {}, with_if_match).status, 200);
  EXPECT_EQ(config_.last_delete_template.expected_revision(), 4);
  ASSERT_EQ(Call("DELETE", "/v1/configTemplates/global", {{"expected_revision", "3"}}, alice_).status, 200);
  EXPECT_EQ(config_.last_delete_template.expected_revision(), 3);
  ASSERT_EQ(Call("DELETE", "/v1/configTemplates/global", {}, alice_).status, 200);
  EXPECT_FALSE(config_.last_delete_template.has_expected_revision());
  EXPECT_EQ(Call("DELETE", "/v1/configTemplates/global", {{"expected_revision", "x"}}, alice_).status, 400);
  EXPECT_EQ(CallAnonymous("DELETE", "/v1/configTemplates/global").status, 401);

  config_.fail = status::MakeError(absl::StatusCode::kNotFound, "TEMPLATE_NOT_FOUND", "none",
                                   {{"template", "groups/x"}});
  http::Response nf = Call("DELETE", "/v1/configTemplates/groups/x", {}, alice_);
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "TEMPLATE_NOT_FOUND");
}

TEST_F(ConfigRoutesTest, BackendErrorsMapToHttpOnEveryRoute) {
  config_.fail = absl::DeadlineExceededError("slow");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config").status, 504);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config/versions").status, 504);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config/versions/1").status, 504);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/config:diff", {{"from", "1"}, {"to", "2"}}).status, 504);
  EXPECT_EQ(Call("POST", "/v1/devices/gw-1/config:apply", {}, alice_, R"({"config":{}})").status, 504);
  EXPECT_EQ(Call("POST", "/v1/devices/gw-1/config:rollback", {}, alice_, R"({"version":1})").status, 504);
  EXPECT_EQ(Call("GET", "/v1/configTemplates").status, 504);
  EXPECT_EQ(Call("GET", "/v1/configTemplates/global").status, 504);
  EXPECT_EQ(Call("PUT", "/v1/configTemplates/global", {}, alice_, R"({"config":{}})").status, 504);
  EXPECT_EQ(Call("DELETE", "/v1/configTemplates/global", {}, alice_).status, 504);
  config_.fail = absl::InternalError("secret detail");
  http::Response r = Call("GET", "/v1/configTemplates");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
}

}  // namespace
}  // namespace fleet::bff
