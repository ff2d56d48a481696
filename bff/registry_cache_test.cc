#include "bff/registry_cache.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bff/api_test_support.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"

namespace fleet::bff {
namespace {

using testing::FakeRegistry;

// Forwards to a FakeRegistry and counts the Get calls that reach it.
class Counting : public RegistryBackend {
 public:
  explicit Counting(FakeRegistry& fake) : fake_(fake) {}
  absl::StatusOr<config::v1::Device> Create(const config::v1::CreateDeviceRequest& r, const CallContext& c) override {
    return fake_.Create(r, c);
  }
  absl::StatusOr<config::v1::Device> Get(const config::v1::GetDeviceRequest& r, const CallContext& c) override {
    ++gets;
    return fake_.Get(r, c);
  }
  absl::StatusOr<config::v1::Device> Update(const config::v1::UpdateDeviceRequest& r, const CallContext& c) override {
    return fake_.Update(r, c);
  }
  absl::Status Delete(const config::v1::DeleteDeviceRequest& r, const CallContext& c) override {
    return fake_.Delete(r, c);
  }
  absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest& r,
                                                       const CallContext& c) override {
    return fake_.List(r, c);
  }
  absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(const config::v1::BatchGetDevicesRequest& r,
                                                               const CallContext& c) override {
    ++batch_gets;
    return fake_.BatchGet(r, c);
  }
  absl::StatusOr<config::v1::ImportDevicesResponse> Import(const config::v1::ImportDevicesRequest& r,
                                                           const CallContext& c) override {
    return fake_.Import(r, c);
  }
  absl::Status Ready() override { return fake_.Ready(); }

  std::atomic<int> gets{0};
  std::atomic<int> batch_gets{0};

 private:
  FakeRegistry& fake_;
};

class RegistryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto counting = std::make_unique<Counting>(fake_);
    counting_ = counting.get();
    cache_ = std::make_unique<CachingRegistryBackend>(std::move(counting),
                                                      RegistryCacheOptions{.ttl = absl::Seconds(1), .max_entries = 3},
                                                      clock_);
    config::v1::CreateDeviceRequest c;
    c.mutable_device()->set_id("gw-1");
    c.mutable_device()->set_display_name("one");
    ASSERT_TRUE(cache_->Create(c, {}).ok());
  }
  absl::StatusOr<config::v1::Device> Get(const std::string& name) {
    config::v1::GetDeviceRequest r;
    r.set_name(name);
    return cache_->Get(r, {});
  }

  FakeRegistry fake_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  Counting* counting_ = nullptr;
  std::unique_ptr<CachingRegistryBackend> cache_;
};

TEST_F(RegistryCacheTest, ServesRepeatedReadsWithinTtlThenAsksAgain) {
  ASSERT_EQ(Get("devices/gw-1")->display_name(), "one");
  ASSERT_EQ(Get("gw-1")->display_name(), "one");  // bare id: same entry
  EXPECT_EQ(counting_->gets.load(), 1);
  clock_.Advance(absl::Milliseconds(999));
  ASSERT_TRUE(Get("gw-1").ok());
  EXPECT_EQ(counting_->gets.load(), 1);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(Get("gw-1").ok());
  EXPECT_EQ(counting_->gets.load(), 2);
  EXPECT_EQ(cache_->stats().hits, 2);
  EXPECT_EQ(cache_->stats().misses, 2);
}

TEST_F(RegistryCacheTest, JitterSpreadsTheExpiryOfEntriesFilledTogether) {
  auto counting = std::make_unique<Counting>(fake_);
  Counting* inner = counting.get();
  CachingRegistryBackend cache(std::move(counting), {.ttl = absl::Seconds(10), .ttl_jitter = 0.5}, clock_);
  constexpr int kDevices = 200;
  for (int i = 0; i < kDevices; ++i) {
    config::v1::CreateDeviceRequest c;
    c.mutable_device()->set_id("j-" + std::to_string(i));
    ASSERT_TRUE(cache.Create(c, {}).ok());
  }
  // Reads every device; returns how many reached the inner backend.
  auto read_all = [&] {
    const int before = inner->gets.load();
    for (int i = 0; i < kDevices; ++i) {
      config::v1::GetDeviceRequest r;
      r.set_name("j-" + std::to_string(i));
      EXPECT_TRUE(cache.Get(r, {}).ok());
    }
    return inner->gets.load() - before;
  };
  EXPECT_EQ(read_all(), kDevices);  // all filled at the same instant
  clock_.Advance(absl::Milliseconds(4999));
  EXPECT_EQ(read_all(), 0);  // nobody lives less than ttl x (1 - 0.5)
  clock_.Advance(absl::Milliseconds(2501));  // 7.5 s: about half have expired (and are refilled)
  const int refilled = read_all();
  EXPECT_GT(refilled, kDevices / 4);
  EXPECT_LT(refilled, kDevices * 3 / 4);
  clock_.Advance(absl::Milliseconds(2500));  // 10 s after the first fill: the rest expired
  EXPECT_EQ(read_all(), kDevices - refilled);
}

TEST_F(RegistryCacheTest, WritesThroughThisReplicaAreReadBackAtOnce) {
  ASSERT_EQ(Get("gw-1")->display_name(), "one");
  config::v1::UpdateDeviceRequest u;
  u.mutable_device()->set_name("devices/gw-1");
  u.mutable_device()->set_display_name("renamed");
  ASSERT_TRUE(cache_->Update(u, {}).ok());
  auto after = Get("gw-1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->display_name(), "renamed");
  EXPECT_EQ(after->etag(), "e1+");

  config::v1::DeleteDeviceRequest d;
  d.set_name("gw-1");
  ASSERT_TRUE(cache_->Delete(d, {}).ok());
  EXPECT_EQ(Get("devices/gw-1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryCacheTest, ErrorsAndNotFoundAreNeverCached) {
  EXPECT_EQ(Get("gw-404").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("gw-404").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(counting_->gets.load(), 2);
  fake_.fail = absl::UnavailableError("down");
  EXPECT_FALSE(Get("gw-1").ok());
  fake_.fail = absl::OkStatus();
  ASSERT_TRUE(Get("gw-1").ok());
  EXPECT_EQ(counting_->gets.load(), 4);
}

TEST_F(RegistryCacheTest, ZeroTtlPassesEveryReadThrough) {
  FakeRegistry fake;
  auto counting = std::make_unique<Counting>(fake);
  Counting* c = counting.get();
  CachingRegistryBackend off(std::move(counting), RegistryCacheOptions{}, clock_);
  config::v1::GetDeviceRequest r;
  r.set_name("x");
  (void)off.Get(r, {});
  (void)off.Get(r, {});
  EXPECT_EQ(c->gets.load(), 2);
}

TEST_F(RegistryCacheTest, FullCacheStartsOverInsteadOfGrowing) {
  for (const char* id : {"gw-2", "gw-3", "gw-4"}) {
    config::v1::CreateDeviceRequest c;
    c.mutable_device()->set_id(id);
    ASSERT_TRUE(cache_->Create(c, {}).ok());
  }
  for (const char* id : {"gw-1", "gw-2", "gw-3"}) ASSERT_TRUE(Get(id).ok());  // 3 = max_entries
  ASSERT_TRUE(Get("gw-4").ok());                                             // clears, then stores gw-4
  const int before = counting_->gets.load();
  ASSERT_TRUE(Get("gw-4").ok());
  EXPECT_EQ(counting_->gets.load(), before);
  ASSERT_TRUE(Get("gw-1").ok());
  EXPECT_EQ(counting_->gets.load(), before + 1);
}

TEST(RegistryCacheRefreshTest, DevicesReadNearExpiryAreReReadInTheBackgroundWithBatchGet) {
  FakeRegistry fake;
  FakeClock clock{absl::FromUnixSeconds(1'700'000'000)};
  auto counting = std::make_unique<Counting>(fake);
  Counting* inner = counting.get();
  CachingRegistryBackend cache(std::move(counting),
                               RegistryCacheOptions{.ttl = absl::Seconds(10), .refresh_ahead = absl::Seconds(3)},
                               clock, CacheRefresherOptions{.interval = absl::Milliseconds(1)});
  for (const char* id : {"gw-1", "gw-2"}) {
    config::v1::CreateDeviceRequest c;
    c.mutable_device()->set_id(id);
    c.mutable_device()->set_display_name("before");
    ASSERT_TRUE(fake.Create(c, {}).ok());
  }
  auto get = [&](const std::string& id) {
    config::v1::GetDeviceRequest r;
    r.set_name(id);
    return cache.Get(r, {});
  };
  ASSERT_TRUE(get("gw-1").ok());
  ASSERT_TRUE(get("gw-2").ok());
  // Changed behind the cache's back (as through another replica).
  for (const char* id : {"gw-1", "gw-2"}) {
    config::v1::UpdateDeviceRequest u;
    u.mutable_device()->set_name(absl::StrCat("devices/", id));
    u.mutable_device()->set_display_name("after");
    ASSERT_TRUE(fake.Update(u, {}).ok());
  }
  clock.Advance(absl::Seconds(8));
  EXPECT_EQ(get("gw-1")->display_name(), "before");  // in the window: served, and queued
  for (int i = 0; i < 10'000 && cache.stats().refreshed < 1; ++i) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(cache.stats().refreshed, 1);
  EXPECT_EQ(inner->batch_gets.load(), 1);
  clock.Advance(absl::Seconds(5));  // past the first read's expiry
  EXPECT_EQ(get("gw-1")->display_name(), "after");  // the refreshed entry
  EXPECT_EQ(inner->gets.load(), 2);                  // only the two first reads missed
  EXPECT_EQ(get("gw-2")->display_name(), "after");  // not read in its window: expired, a miss
  EXPECT_EQ(inner->gets.load(), 3);
}

}  // namespace
}  // namespace fleet::bff
