#include "bff/http_util.h"

#include "fleet/bff/v1/access.pb.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

http::Request WithTarget(std::string target) {
  http::Request r;
  r.target = std::move(target);
  return r;
}

TEST(HttpUtilTest, RepeatedParamReadsEveryOccurrence) {
  auto v = RepeatedParam(WithTarget("/x?names=a&other=1&names=b%2Cc,d&names=&namesake=z"), "names");
  EXPECT_EQ(v, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(RepeatedParam(WithTarget("/x"), "names").empty());
}

TEST(HttpUtilTest, IfMatchEtag) {
  http::Request r;
  EXPECT_EQ(IfMatchEtag(r), "");
  r.headers["if-match"] = "\"abc\"";
  EXPECT_EQ(IfMatchEtag(r), "abc");
  r.headers["if-match"] = "W/\"abc\"";
  EXPECT_EQ(IfMatchEtag(r), "abc");
  r.headers["if-match"] = "*";
  EXPECT_EQ(IfMatchEtag(r), "");
  r.headers["if-match"] = "raw";
  EXPECT_EQ(IfMatchEtag(r), "raw");
}

TEST(HttpUtilTest, BoolAndPageSize) {
  http::Request r;
  EXPECT_EQ(*BoolParam(r, "v"), false);
  r.query["v"] = "TRUE";
  EXPECT_EQ(*BoolParam(r, "v"), true);
  r.query["v"] = "0";
  EXPECT_EQ(*BoolParam(r, "v"), false);
  r.query["v"] = "yes please";
  EXPECT_FALSE(BoolParam(r, "v").ok());
  EXPECT_EQ(*PageSize(r), 0);
  r.query["page_size"] = "25";
  EXPECT_EQ(*PageSize(r), 25);
  r.query["page_size"] = "2x";
  EXPECT_EQ(PageSize(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpUtilTest, ParseJsonBodyRejectsStringsForBools) {
  http::Request r;
  for (const char* bad : {R"({"disabled":"yes"})", R"({"disabled":"true"})", R"({"disabled":"1"})"}) {
    r.body = bad;
    v1::UpdateUserRequest req;
    absl::Status st = ParseJsonBody(r, req, false);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(status::Metadata(st)["field"], "disabled") << bad;
    EXPECT_FALSE(req.has_disabled()) << "nothing half-parsed is left behind";
  }
  r.body = R"({"disabled":true,"displayName":"A"})";
  v1::UpdateUserRequest ok;
  ASSERT_TRUE(ParseJsonBody(r, ok, false).ok());
  EXPECT_TRUE(ok.disabled());
  r.body = R"({"disabled":1})";
  EXPECT_FALSE(ParseJsonBody(r, ok, false).ok()) << "numbers are refused by protobuf itself";
}

TEST(HttpUtilTest, ErrorSetsRetryAfterFromMetadataOnly) {
  http::Request r;
  http::Response limited = Error(status::MakeError(absl::StatusCode::kResourceExhausted, "RATE_LIMITED", "slow down",
                                                   {{"retry_after_seconds", "7"}}),
                                 r);
  EXPECT_EQ(limited.status, 429);
  int n = 0;
  for (const auto& [k, v] : limited.headers) {
    if (k == "Retry-After") {
      ++n;
      EXPECT_EQ(v, "7");
    }
  }
  EXPECT_EQ(n, 1);
  http::Response plain = Error(absl::NotFoundError("x"), r);
  for (const auto& [k, v] : plain.headers) EXPECT_NE(k, "Retry-After");
}

}  // namespace
}  // namespace fleet::bff
