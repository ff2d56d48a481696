#include "bff/http_util.h"

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace fleet::bff
