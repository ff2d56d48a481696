#include "bff/cache_refresher.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

using ::testing::UnorderedElementsAre;

class Recorder {
 public:
  void Flush(const std::vector<std::string>& keys) {
    absl::MutexLock lock(&mu_);
    batches_.push_back(keys);
  }
  // Waits (bounded) until `keys` keys have been flushed in all.
  std::vector<std::vector<std::string>> WaitFor(size_t keys) {
    absl::MutexLock lock(&mu_);
    auto enough = [&] {
      size_t n = 0;
      for (const auto& b : batches_) n += b.size();
      return n >= keys;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return batches_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> batches_;
};

TEST(CacheRefresherTest, FlushesQueuedKeysInBatchesOfAtMostMaxBatchAndEachKeyOnce) {
  Recorder rec;
  std::vector<std::vector<std::string>> batches;
  {
    // A long interval, so all keys are queued before the first flush.
    CacheRefresher r({.interval = absl::Milliseconds(300), .max_batch = 2},
                     [&](const std::vector<std::string>& keys) { rec.Flush(keys); });
    r.Add("a");
    r.Add("b");
    r.Add("a");  // already queued
    r.Add("c");
    batches = rec.WaitFor(3);
    EXPECT_EQ(r.stats().queued, 3);
    EXPECT_EQ(r.stats().batches, 2);
  }
  ASSERT_EQ(batches.size(), 2u);
  std::vector<std::string> all;
  for (const auto& b : batches) {
    EXPECT_LE(b.size(), 2u);
    all.insert(all.end(), b.begin(), b.end());
  }
  EXPECT_THAT(all, UnorderedElementsAre("a", "b", "c"));
}

TEST(CacheRefresherTest, DropsKeysBeyondMaxPending) {
  Recorder rec;
  CacheRefresher r({.interval = absl::Seconds(60), .max_pending = 2},
                   [&](const std::vector<std::string>& keys) { rec.Flush(keys); });
  r.Add("a");
  r.Add("b");
  r.Add("c");
  EXPECT_EQ(r.stats().queued, 2);
  EXPECT_EQ(r.stats().dropped, 1);
}

TEST(CacheRefresherTest, DestructorStopsWithoutWaitingForTheInterval) {
  const absl::Time start = absl::Now();
  {
    CacheRefresher r({.interval = absl::Seconds(60)}, [](const std::vector<std::string>&) {});
    r.Add("a");
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

}  // namespace
}  // namespace fleet::bff
