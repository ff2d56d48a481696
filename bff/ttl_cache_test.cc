#include "bff/ttl_cache.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"

namespace fleet::bff {
namespace {

using ::testing::ElementsAre;
using Values = absl::StatusOr<std::vector<std::pair<std::string, int>>>;

class TtlCacheRefreshTest : public ::testing::Test {
 protected:
  TtlCacheRefreshTest() {
    cache_.SetRefreshSink([this](const std::string& key) { handed_.push_back(key); });
  }
  // Reads `key`; a miss answers `fresh` and counts a fetch.
  int Get(const std::string& key, int fresh) {
    return *cache_.Get(key, [&]() -> absl::StatusOr<int> {
      ++fetches_;
      return fresh;
    });
  }

  FakeClock clock_;
  TtlCache<int> cache_{{.ttl = absl::Seconds(10), .refresh_ahead = absl::Seconds(3)}, clock_};
  std::vector<std::string> handed_;
  int fetches_ = 0;
};

TEST_F(TtlCacheRefreshTest, AHitInTheWindowBeforeExpiryIsServedAndHandsTheKeyOverOnce) {
  EXPECT_EQ(Get("k", 1), 1);
  clock_.Advance(absl::Seconds(7));  // exactly 3 s left: not yet in the window
  EXPECT_EQ(Get("k", 2), 1);
  EXPECT_TRUE(handed_.empty());
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Get("k", 2), 1);
  EXPECT_EQ(Get("k", 2), 1);
  EXPECT_THAT(handed_, ElementsAre("k"));
  EXPECT_EQ(fetches_, 1);
}

TEST_F(TtlCacheRefreshTest, RefreshStoresTheNewValueWithAFullLife) {
  Get("k", 1);
  clock_.Advance(absl::Seconds(8));
  Get("k", 1);
  cache_.Refresh({"k"}, [](const std::vector<std::string>& keys) {
    EXPECT_THAT(keys, ElementsAre("k"));
    return Values(std::vector<std::pair<std::string, int>>{{"k", 5}});
  });
  clock_.Advance(absl::Seconds(9));  // 17 s after the first read, 9 s after the refresh
  EXPECT_EQ(Get("k", 9), 5);
  EXPECT_EQ(fetches_, 1);
  EXPECT_EQ(cache_.stats().refreshed, 1);
  // The refreshed entry may be handed over again in its own window.
  EXPECT_THAT(handed_, ElementsAre("k", "k"));
}

TEST_F(TtlCacheRefreshTest, AnInvalidateDuringTheRefreshKeepsItsAnswerOut) {
  Get("k", 1);
  clock_.Advance(absl::Seconds(8));
  Get("k", 1);
  cache_.Refresh({"k"}, [&](const std::vector<std::string>&) {
    const std::string key = "k";
    cache_.Invalidate(&key);  // a write while the refresh was on its way
    return Values(std::vector<std::pair<std::string, int>>{{"k", 5}});
  });
  EXPECT_EQ(Get("k", 7), 7);  // a miss: read again, not the refresh's answer
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(cache_.stats().refreshed, 0);
  EXPECT_EQ(cache_.stats().refresh_failed, 1);
}

TEST_F(TtlCacheRefreshTest, AFailedRefreshKeepsTheEntryAndMayHandItOverAgain) {
  Get("k", 1);
  clock_.Advance(absl::Seconds(8));
  Get("k", 1);
  cache_.Refresh({"k"}, [](const std::vector<std::string>&) { return Values(absl::UnavailableError("down")); });
  EXPECT_EQ(Get("k", 2), 1);  // still served until it expires
  EXPECT_THAT(handed_, ElementsAre("k", "k"));
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(Get("k", 2), 2);  // expired: read on the request path
  EXPECT_EQ(cache_.stats().refresh_failed, 1);
}

TEST_F(TtlCacheRefreshTest, AnInvalidateOfAnotherKeyDuringTheRefreshDoesNotKeepItOut) {
  Get("k", 1);
  clock_.Advance(absl::Seconds(8));
  Get("k", 1);
  cache_.Refresh({"k"}, [&](const std::vector<std::string>&) {
    const std::string other = "other";
    cache_.Invalidate(&other);
    return Values(std::vector<std::pair<std::string, int>>{{"k", 5}});
  });
  EXPECT_EQ(cache_.stats().refreshed, 1);
  clock_.Advance(absl::Seconds(5));  // past the first read's expiry
  EXPECT_EQ(Get("k", 7), 5);
  EXPECT_EQ(fetches_, 1);
}

TEST(TtlCacheTest, AReadRacingAnInvalidateOfItsKeyDoesNotStoreButOneOfAnotherKeyDoes) {
  FakeClock clock;
  TtlCache<int> cache({.ttl = absl::Seconds(10)}, clock);
  int fetches = 0;
  const std::string a = "a", b = "b";
  auto read = [&](const std::string& key, int value, const std::string* invalidate) {
    return *cache.Get(key, [&]() -> absl::StatusOr<int> {
      ++fetches;
      if (invalidate != nullptr) cache.Invalidate(invalidate);  // a write while the read is on its way
      return value;
    });
  };
  EXPECT_EQ(read(a, 1, &a), 1);  // raced a write of its own key: answered, not stored
  EXPECT_EQ(read(a, 2, nullptr), 2);
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(read(b, 3, &a), 3);  // a write of another key: stored
  EXPECT_EQ(read(b, 4, nullptr), 3);
  EXPECT_EQ(read(a, 5, nullptr), 5);  // "a" was dropped by that write
  EXPECT_EQ(fetches, 4);
  EXPECT_EQ(read(a, 6, nullptr), 5);
}

TEST(TtlCacheTest, InvalidatingKeysNobodyReadsLeavesNothingBehind) {
  FakeClock clock;
  TtlCache<int> cache({.ttl = absl::Seconds(10)}, clock);
  const std::string a = "a";
  // Transitions of devices nobody reads, while another key's read is in flight.
  (void)cache.Get("b", [&]() -> absl::StatusOr<int> {
    for (int i = 0; i < 100; ++i) {
      const std::string key = absl::StrCat("device-", i);
      cache.Invalidate(&key);
    }
    return 1;
  });
  EXPECT_EQ(cache.stats().entries, 1);  // only "b"
  // A key invalidated while it is read: its tombstone goes with the last read of it.
  (void)cache.Get(a, [&]() -> absl::StatusOr<int> {
    cache.Invalidate(&a);
    return 2;
  });
  EXPECT_EQ(cache.stats().entries, 1);
}

TEST(TtlCacheTest, AReadRacingAnInvalidateOfEverythingDoesNotStore) {
  FakeClock clock;
  TtlCache<int> cache({.ttl = absl::Seconds(10)}, clock);
  auto racing = [&]() -> absl::StatusOr<int> {
    cache.Invalidate(nullptr);
    return 1;
  };
  EXPECT_EQ(*cache.Get("a", racing), 1);
  EXPECT_EQ(*cache.Get("a", [] { return absl::StatusOr<int>(2); }), 2);
  EXPECT_EQ(*cache.Get("a", [] { return absl::StatusOr<int>(3); }), 2);
}

TEST(TtlCacheTest, WithoutRefreshAheadNothingIsHandedOver) {
  FakeClock clock;
  TtlCache<int> cache({.ttl = absl::Seconds(10)}, clock);
  int handed = 0;
  cache.SetRefreshSink([&](const std::string&) { ++handed; });
  (void)cache.Get("k", [] { return absl::StatusOr<int>(1); });
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(*cache.Get("k", [] { return absl::StatusOr<int>(2); }), 1);
  EXPECT_EQ(handed, 0);
}

}  // namespace
}  // namespace fleet::bff
