#include "bff/ratelimit/limiter.h"

#include "bff/ratelimit/windows.h"
#include "gtest/gtest.h"

namespace fleet::bff::ratelimit {
namespace {

class LocalLimiterTest : public ::testing::Test {
 protected:
  int64_t now_ = 1'000'000'000;
  LocalLimiter limiter_{[this] { return now_; }};
  int Admitted(const std::string& key, const std::vector<Window>& w, int tries) {
    int n = 0;
    for (int i = 0; i < tries; ++i) n += limiter_.Decide(key, w).allowed ? 1 : 0;
    return n;
  }
};

TEST(WindowsTest, ParsesAndFormats) {
  auto w = ParseWindows("100/1s, 2000/60s");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 2u);
  EXPECT_EQ((*w)[0], (Window{100, absl::Seconds(1)}));
  EXPECT_EQ((*w)[1], (Window{2000, absl::Minutes(1)}));
  EXPECT_EQ(FormatWindows(*w), "100/1s,2000/1m");
  EXPECT_TRUE(ParseWindows("")->empty());
  for (const char* bad : {"100", "x/1s", "0/1s", "10/0s", "10/1s,20/1s", "10/2d", "1/1s,2/2s,3/3s,4/4s,5/5s"}) {
    EXPECT_FALSE(ParseWindows(bad).ok()) << bad;
  }
}

TEST_F(LocalLimiterTest, BurstThenSteadyRate) {
  const std::vector<Window> w = {{10, absl::Seconds(1)}};
  EXPECT_EQ(Admitted("k", w, 50), 10);
  Decision d = limiter_.Decide("k", w);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.limit, 10);
  EXPECT_EQ(d.retry_after, absl::Milliseconds(100));
  now_ += 100'000;  // one emission interval later: exactly one more
  EXPECT_EQ(Admitted("k", w, 5), 1);
  now_ += 1'000'000;  // a full period: the whole burst again
  EXPECT_EQ(Admitted("k", w, 50), 10);
}

TEST_F(LocalLimiterTest, HeadersDescribeTheTightestWindow) {
  const std::vector<Window> w = {{100, absl::Seconds(1)}, {5, absl::Minutes(1)}};
  Decision d = limiter_.Decide("k", w);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 5);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(d.reset, absl::Seconds(12));
}

TEST_F(LocalLimiterTest, WindowsDecideTogether) {
  // 3/min rejects the 4th call; the rejected calls must not consume the 10/s window.
  const std::vector<Window> both = {{10, absl::Seconds(1)}, {3, absl::Minutes(1)}};
  EXPECT_EQ(Admitted("k", both, 20), 3);
  const std::vector<Window> per_second = {{10, absl::Seconds(1)}};
  EXPECT_EQ(Admitted("k", per_second, 20), 7);
}

TEST_F(LocalLimiterTest, KeysAreIsolated) {
  const std::vector<Window> w = {{5, absl::Seconds(1)}};
  EXPECT_EQ(Admitted("a", w, 1000), 5);
  EXPECT_EQ(Admitted("b", w, 5), 5);
}

TEST_F(LocalLimiterTest, IdleEntriesAreSwept) {
  const std::vector<Window> w = {{1, absl::Seconds(1)}};
  for (int i = 0; i < 40000; ++i) limiter_.Decide("k" + std::to_string(i), w);
  EXPECT_EQ(limiter_.EntriesForTest(), 40000u);
  now_ += 10'000'000;
  // Keys land on shards by a per-process seeded hash: keep deciding fresh keys until every shard
  // has been visited (and so swept); 400 keys miss one of 16 shards with probability ~1e-10.
  for (int i = 0; i < 400 && limiter_.EntriesForTest() >= 1000u; ++i) {
    limiter_.Decide("z" + std::to_string(i), w);
  }
  EXPECT_LT(limiter_.EntriesForTest(), 1000u);
}

TEST_F(LocalLimiterTest, NoWindowsAlwaysAdmits) { EXPECT_EQ(Admitted("k", {}, 100), 100); }

}  // namespace
}  // namespace fleet::bff::ratelimit
