#include "libs/kafka/rfc3339.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fleet::kafka {
namespace {

absl::Time Parse(std::string_view s) {
  absl::Time t;
  EXPECT_TRUE(ParseRfc3339(s, &t)) << s;
  return t;
}

TEST(Rfc3339Test, ParsesAndMatchesAbsl) {
  for (const char* s :
       {"2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "2023-06-01T12:34:56.789Z",
        "2023-06-01T12:34:56.123456789+05:30", "1999-12-31T23:00:00-08:00",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-07-20T20:17:40.5Z"}) {
    absl::Time want;
    std::string err;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, s, &want, &err)) << s << err;
    EXPECT_EQ(Parse(s), want) << s;
  }
}

TEST(Rfc3339Test, AcceptsLowercaseAndSpaceSeparator) {
  EXPECT_EQ(Parse("2023-06-01t12:00:00z"), Parse("2023-06-01T12:00:00Z"));
  EXPECT_EQ(Parse("2023-06-01 12:00:00Z"), Parse("2023-06-01T12:00:00Z"));
}

TEST(Rfc3339Test, TruncatesBeyondNanoseconds) {
  EXPECT_EQ(Parse("2023-06-01T12:00:00.1234567891Z"), Parse("2023-06-01T12:00:00.123456789Z"));
}

TEST(Rfc3339Test, RejectsMalformed) {
  absl::Time t;
  for (const char* s :
       {"", "2023-06-01", "2023-06-01T12:00:00", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2023-06-31T00:00:00Z", "2023-06-01T24:00:00Z", "2023-06-01T12:60:00Z",
        "2023-06-01T12:00:00.Z", "2023-06-01T12:00:00+0530", "2023-06-01T12:00:00Zjunk",
        "23-06-01T12:00:00Z", "2023/06/01T12:00:00Z", "1685620800", "2023-06-01T12:00:00+24:00"}) {
    EXPECT_FALSE(ParseRfc3339(s, &t)) << s;
  }
}

TEST(Rfc3339Test, FormatsUtcWithShortestExactFraction) {
  const absl::Time base = Parse("2023-06-01T12:34:56Z");
  EXPECT_EQ(FormatRfc3339(base), "2023-06-01T12:34:56Z");
  EXPECT_EQ(FormatRfc3339(base + absl::Milliseconds(5)), "2023-06-01T12:34:56.005Z");
  EXPECT_EQ(FormatRfc3339(base + absl::Microseconds(5)), "2023-06-01T12:34:56.000005Z");
  EXPECT_EQ(FormatRfc3339(base + absl::Nanoseconds(5)), "2023-06-01T12:34:56.000000005Z");
  EXPECT_EQ(FormatRfc3339(Parse("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatRfc3339(absl::InfiniteFuture()), "9999-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339(absl::InfinitePast()), "0000-01-01T00:00:00Z");
}

TEST(Rfc3339Test, RoundTripsManyInstants) {
  absl::Time t = Parse("1901-03-04T05:06:07.000000001Z");
  for (int i = 0; i < 2000; ++i) {
    t += absl::Seconds(86400 * 37 + 3671) + absl::Nanoseconds(123457);
    EXPECT_EQ(Parse(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

}  // namespace
}  // namespace fleet::kafka
