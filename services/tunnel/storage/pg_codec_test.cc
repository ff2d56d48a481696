#include "services/tunnel/storage/pg_codec.h"

#include "gtest/gtest.h"

namespace fleet::tunnel::pgcodec {
namespace {

TEST(PgCodecTest, ServicesRoundTrip) {
  std::vector<ServicePort> in = {{"ssh", "127.0.0.1", 22, 40001}, {"camera", "192.168.1.64", 80, 40002}};
  auto out = DecodeServices(EncodeServices(in));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, in);
  EXPECT_TRUE(DecodeServices("")->empty());
  EXPECT_EQ(DecodeServices("ssh|x|22").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(DecodeServices("ssh|x|a|1").status().code(), absl::StatusCode::kInternal);
}

TEST(PgCodecTest, IntArraysAndTimes) {
  EXPECT_EQ(IntArray({1, 20, 300}), "{1,20,300}");
  EXPECT_EQ(IntArray({}), "{}");
  EXPECT_EQ(ParseIntArray("{1,20,300}"), (std::vector<int>{1, 20, 300}));
  EXPECT_TRUE(ParseIntArray("{}").empty());
  EXPECT_EQ(Micros(absl::FromUnixMicros(1'800'000'000'000'001)), "1800000000000001");
  EXPECT_EQ(MicrosOrNull(absl::InfiniteFuture()), std::nullopt);
  EXPECT_EQ(MicrosOrNull(absl::FromUnixMicros(5)), "5");
}

}  // namespace
}  // namespace fleet::tunnel::pgcodec
