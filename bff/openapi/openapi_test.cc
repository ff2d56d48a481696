// /openapi.json: a structurally valid OpenAPI 3.0.3 document that documents exactly the routes
// the Api registers (a route added without an entry in operations.cc fails here).
#include "bff/openapi/openapi.h"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <functional>
#include <set>
#include <string>
#include <utility>

#include "bff/api_test_support.h"
#include "bff/auth/policy.h"
#include "gtest/gtest.h"

namespace fleet::bff::openapi {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;

rapidjson::Document Doc() {
  rapidjson::Document d;
  d.Parse(Document().c_str());
  return d;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

RouteSet Documented() {
  RouteSet out;
  rapidjson::Document d = Doc();
  for (auto& p : d["paths"].GetObject()) {
    for (auto& m : p.value.GetObject()) out.insert({Upper(m.name.GetString()), p.name.GetString()});
  }
  return out;
}

// "METHOD path" of each member of `a` missing from `b`.
std::vector<std::string> Missing(const RouteSet& a, const RouteSet& b) {
  std::vector<std::string> out;
  for (const auto& r : a) {
    if (!b.count(r)) out.push_back(r.first + " " + r.second);
  }
  return out;
}

TEST(OpenApiTest, ParsesAsOpenApi303) {
  rapidjson::Document d = Doc();
  ASSERT_FALSE(d.HasParseError());
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["openapi"].GetString(), "3.0.3");
  EXPECT_TRUE(d["info"]["title"].IsString());
  EXPECT_TRUE(d["info"]["version"].IsString());
  ASSERT_TRUE(d["paths"].IsObject());
  ASSERT_TRUE(d["components"]["schemas"].IsObject());
  for (const char* scheme : {"sessionCookie", "bearerKey", "apiKeyHeader"}) {
    EXPECT_TRUE(d["components"]["securitySchemes"].HasMember(scheme)) << scheme;
  }
}

TEST(OpenApiTest, OperationsAreWellFormedAndOperationIdsUnique) {
  rapidjson::Document d = Doc();
  std::set<std::string> ids;
  const std::set<std::string> methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  for (auto& p : d["paths"].GetObject()) {
    const std::string path = p.name.GetString();
    ASSERT_EQ(path[0], '/') << path;
    for (auto& m : p.value.GetObject()) {
      const std::string where = std::string(m.name.GetString()) + " " + path;
      EXPECT_TRUE(methods.count(m.name.GetString())) << where;
      const rapidjson::Value& op = m.value;
      ASSERT_TRUE(op.HasMember("operationId")) << where;
      EXPECT_TRUE(ids.insert(op["operationId"].GetString()).second) << "duplicate operationId at " << where;
      ASSERT_TRUE(op["responses"].IsObject() && op["responses"].MemberCount() > 0) << where;
      EXPECT_TRUE(op["responses"].HasMember("200")) << where;
      if (op.HasMember("requestBody")) {
        for (auto& media : op["requestBody"]["content"].GetObject()) {
          EXPECT_NE(std::string(media.name.GetString()).find('/'), std::string::npos) << where << " media type";
        }
      }
      for (auto& r : op["responses"].GetObject()) {
        EXPECT_TRUE(r.value.HasMember("$ref") || r.value.HasMember("description")) << where << " " << r.name.GetString();
      }
      // Every {var} of the template is a required path parameter, and nothing else is.
      std::set<std::string> vars, params;
      for (size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
        vars.insert(path.substr(i + 1, path.find('}', i) - i - 1));
      }
      for (auto& prm : op["parameters"].GetArray()) {
        if (prm.HasMember("in") && std::string(prm["in"].GetString()) == "path") {
          EXPECT_TRUE(prm["required"].GetBool()) << where;
          params.insert(prm["name"].GetString());
        }
      }
      EXPECT_EQ(vars, params) << where;
      // Public routes need no credential; all others list the three schemes.
      const auth::PolicyEntry* e = auth::FindPolicy(Upper(m.name.GetString()), path);
      ASSERT_NE(e, nullptr) << "no access policy for " << where;
      EXPECT_EQ(op["security"].Size(), e->permission == auth::Permission::kPublic ? 0u : 3u) << where;
    }
  }
}

// Walks every "$ref" of the document.
void EachRef(const rapidjson::Value& v, const std::function<void(const std::string&)>& fn) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (std::string(m.name.GetString()) == "$ref" && m.value.IsString()) fn(m.value.GetString());
      EachRef(m.value, fn);
    }
  } else if (v.IsArray()) {
    for (auto& x : v.GetArray()) EachRef(x, fn);
  }
}

TEST(OpenApiTest, EveryRefResolvesAndEverySchemaIsUsed) {
  rapidjson::Document d = Doc();
  int refs = 0;
  std::set<std::string> used;
  EachRef(d, [&](const std::string& ref) {
    ++refs;
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    const rapidjson::Value* target = rapidjson::Pointer(ref.substr(1).c_str()).Get(d);
    EXPECT_NE(target, nullptr) << "unresolved $ref " << ref;
    used.insert(ref);
  });
  EXPECT_GT(refs, 100);
  for (auto& s : d["components"]["schemas"].GetObject()) {
    EXPECT_TRUE(used.count(std::string("#/components/schemas/") + s.name.GetString())) << "unused schema "
                                                                                        << s.name.GetString();
  }
}

TEST(OpenApiTest, ErrorSchemaIsAip193WithRequestAndTraceIds) {
  rapidjson::Document d = Doc();
  const rapidjson::Value& info = d["components"]["schemas"]["ErrorInfo"]["properties"];
  for (const char* f : {"reason", "domain", "metadata"}) EXPECT_TRUE(info.HasMember(f)) << f;
  EXPECT_TRUE(info["metadata"]["properties"].HasMember("request_id"));
  EXPECT_TRUE(info["metadata"]["properties"].HasMember("trace_id"));
  const rapidjson::Value& tmr = d["components"]["responses"]["TooManyRequests"]["headers"];
  for (const char* h : {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}) {
    EXPECT_TRUE(tmr.HasMember(h)) << h;
  }
}

class OpenApiRoutesTest : public testing::ApiHarness {};

// THE check: the router and the document list the same (method, path template) pairs.
TEST_F(OpenApiRoutesTest, EveryRegisteredRouteIsDocumentedAndViceVersa) {
  RouteSet routed;
  for (const auto& [method, pattern] : api_.router().Routes()) routed.insert({method, pattern});
  ASSERT_GT(routed.size(), 50u);
  const RouteSet documented = Documented();
  EXPECT_EQ(Missing(routed, documented), std::vector<std::string>())
      << "routes without documentation: add them to bff/openapi/operations.cc";
  EXPECT_EQ(Missing(documented, routed), std::vector<std::string>()) << "documented operations with no route";
}

TEST_F(OpenApiRoutesTest, AnUndocumentedRouteIsCaught) {
  Router router;
  for (const auto& [method, pattern] : api_.router().Routes()) router.Add(method, pattern, nullptr);
  router.Add("POST", "/v1/devices/{device}:reboot", nullptr);
  RouteSet routed;
  for (const auto& [method, pattern] : router.Routes()) routed.insert({method, pattern});
  EXPECT_EQ(Missing(routed, Documented()), std::vector<std::string>{"POST /v1/devices/{device}:reboot"});
}

TEST_F(OpenApiRoutesTest, ServedAtOpenApiJsonWithoutCredentials) {
  http::Response r = CallAnonymous("GET", "/openapi.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Document());
  EXPECT_NE(HeaderOf(r, "X-Request-Id"), "");
}

}  // namespace
}  // namespace fleet::bff::openapi
