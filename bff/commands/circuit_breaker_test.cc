#include "bff/commands/circuit_breaker.h"

#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff::commands {
namespace {

const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresThenProbes) {
  CircuitBreaker b({.failure_threshold = 3, .open_for = absl::Seconds(30)});
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.Allow("d1", t0).ok());
    b.Record("d1", false, t0);
  }
  ASSERT_TRUE(b.Allow("d1", t0).ok()) << "two failures: still closed";
  b.Record("d1", false, t0);
  absl::Status st = b.Allow("d1", t0 + absl::Seconds(1));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status::Reason(st), "CIRCUIT_OPEN");
  EXPECT_EQ(status::Metadata(st)["retry_after_seconds"], "29");
  EXPECT_TRUE(b.Allow("d2", t0).ok()) << "other devices are not affected";
  // Half-open: exactly one probe.
  EXPECT_TRUE(b.Allow("d1", t0 + absl::Seconds(30)).ok());
  EXPECT_FALSE(b.Allow("d1", t0 + absl::Seconds(30)).ok());
  b.Record("d1", false, t0 + absl::Seconds(31));  // probe failed: open again
  EXPECT_FALSE(b.Allow("d1", t0 + absl::Seconds(40)).ok());
  EXPECT_TRUE(b.Allow("d1", t0 + absl::Seconds(61)).ok());
  b.Record("d1", true, t0 + absl::Seconds(61));  // probe succeeded: closed
  EXPECT_TRUE(b.Allow("d1", t0 + absl::Seconds(61)).ok());
  EXPECT_TRUE(b.Allow("d1", t0 + absl::Seconds(61)).ok());
}

TEST(CircuitBreakerTest, SuccessResetsTheCount) {
  CircuitBreaker b({.failure_threshold = 2});
  b.Record("d1", false, t0);
  b.Record("d1", true, t0);
  b.Record("d1", false, t0);
  EXPECT_TRUE(b.Allow("d1", t0).ok());
  EXPECT_EQ(b.size(), 1u);
}

TEST(CircuitBreakerTest, MemoryIsBounded) {
  CircuitBreaker b({.failure_threshold = 1, .max_keys = 100});
  for (int i = 0; i < 1000; ++i) b.Record("d" + std::to_string(i), false, t0);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_FALSE(b.Allow("d999", t0).ok()) << "recent keys are kept";
  EXPECT_TRUE(b.Allow("d0", t0).ok()) << "the oldest were forgotten";
}

}  // namespace
}  // namespace fleet::bff::commands
