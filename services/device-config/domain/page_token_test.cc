#include "services/device-config/domain/page_token.h"

#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

void ExpectBad(const absl::StatusOr<std::string>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(r.status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(status::Metadata(r.status())["field"], "page_token");
}

TEST(PageTokenTest, RoundTripsForTheSameFilter) {
  const std::string t = EncodePageToken("model = \"a\"", "dev:01");
  auto r = DecodePageToken(t, "model = \"a\"");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "dev:01");
  EXPECT_EQ(*DecodePageToken(EncodePageToken("", "x"), ""), "x");
}

TEST(PageTokenTest, RejectsOtherFiltersAndGarbage) {
  const std::string t = EncodePageToken("model = \"a\"", "dev01");
  ExpectBad(DecodePageToken(t, "model = \"b\""));
  ExpectBad(DecodePageToken(t, ""));
  ExpectBad(DecodePageToken("!!!", ""));
  ExpectBad(DecodePageToken("aGVsbG8", ""));                      // "hello"
  ExpectBad(DecodePageToken(EncodePageToken("", "bad id"), ""));  // bad position
  std::string tampered = t;
  tampered[tampered.size() / 2] ^= 1;
  ExpectBad(DecodePageToken(tampered, "model = \"a\""));
}

}  // namespace
}  // namespace fleet::devcfg
