// The console's routes as the Api serves them: anonymous, outside the API's JSON 404s.
#include "bff/api_test_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

using ::testing::HasSubstr;

class StaticRoutesTest : public testing::ApiHarness {};

TEST_F(StaticRoutesTest, RootAndClientRoutesServeTheConsoleAnonymously) {
  for (const char* path : {"/", "/devices/dev-000001", "/admin/keys"}) {
    http::Response r = CallAnonymous("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_THAT(r.body, HasSubstr("not built")) << path;  // the harness runs without --web_root
    EXPECT_THAT(HeaderOf(r, "Content-Security-Policy"), HasSubstr("script-src 'self'")) << path;
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(StaticRoutesTest, ApiPathsKeepTheirJsonErrors) {
  http::Response r = CallAnonymous("GET", "/v1/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("ROUTE_NOT_FOUND"));
  http::Response asset = CallAnonymous("GET", "/assets/missing-12345678.js");
  EXPECT_EQ(asset.status, 404);
  EXPECT_THAT(asset.body, HasSubstr("ROUTE_NOT_FOUND"));
  EXPECT_EQ(CallAnonymous("GET", "/assets/..%2Findex.html").status, 404);
  EXPECT_EQ(CallAnonymous("POST", "/devices/dev-1").status, 404);
  EXPECT_EQ(CallAnonymous("GET", "/v1/devices").status, 401);  // the API still requires sign-in
}

}  // namespace
}  // namespace fleet::bff
