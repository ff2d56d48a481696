#include "bff/config_cache.h"

#include <functional>

#include "absl/time/clock.h"
#include "bff/api_test_support.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"

namespace fleet::bff {
namespace {

// device-config as the cache sees it: counts the reads that reach it and answers the reported
// version it holds now (the device acknowledges versions behind the BFF's back).
class Counting : public testing::FakeConfig {
 public:
  absl::StatusOr<config::v1::DeviceConfig> GetDeviceConfig(const config::v1::GetDeviceConfigRequest& req,
                                                           const CallContext& c) override {
    ++gets;
    auto out = FakeConfig::GetDeviceConfig(req, c);
    if (during_read) std::exchange(during_read, nullptr)();
    if (out.ok()) out->set_reported_version(reported);
    return out;
  }
  int gets = 0;
  int64_t reported = 2;
  std::function<void()> during_read;  // run once, while a read is "on the wire"
};

class ConfigCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inner = std::make_unique<Counting>();
    inner_ = inner.get();
    cache_ = std::make_unique<CachingConfigBackend>(std::move(inner),
                                                    TtlCacheOptions{.ttl = absl::Seconds(5)}, clock_);
  }
  absl::StatusOr<config::v1::DeviceConfig> Get(const std::string& device) {
    config::v1::GetDeviceConfigRequest r;
    r.set_device(device);
    return cache_->GetDeviceConfig(r, {});
  }

  FakeClock clock_;
  Counting* inner_ = nullptr;
  std::unique_ptr<CachingConfigBackend> cache_;
};

TEST(ConfigCacheRefreshTest, ConfigsReadNearExpiryAreReReadInTheBackground) {
  FakeClock clock;
  auto inner = std::make_unique<Counting>();
  Counting* counting = inner.get();
  CachingConfigBackend cache(std::move(inner),
                             TtlCacheOptions{.ttl = absl::Seconds(5), .refresh_ahead = absl::Seconds(2)},
                             clock, CacheRefresherOptions{.interval = absl::Milliseconds(1)});
  auto get = [&] {
    config::v1::GetDeviceConfigRequest r;
    r.set_device("devices/gw-1");
    return cache.GetDeviceConfig(r, {});
  };
  ASSERT_EQ(get()->reported_version(), 2);
  counting->reported = 3;
  clock.Advance(absl::Seconds(4));
  EXPECT_EQ(get()->reported_version(), 2);  // 1 s left: served, and queued
  for (int i = 0; i < 10'000 && cache.stats().refreshed < 1; ++i) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(cache.stats().refreshed, 1);
  clock.Advance(absl::Seconds(3));  // past the first read's expiry
  EXPECT_EQ(get()->reported_version(), 3);
  EXPECT_EQ(counting->gets, 2);  // the first read and the background one
}

TEST_F(ConfigCacheTest, ServesReadsWithinTtlThenSeesWhatTheDeviceReported) {
  ASSERT_EQ(Get("devices/gw-1")->reported_version(), 2);
  inner_->reported = 3;  // acknowledged through Kafka, not through this BFF
  ASSERT_EQ(Get("gw-1")->reported_version(), 2);  // bare id: same entry, still within ttl
  EXPECT_EQ(inner_->gets, 1);
  clock_.Advance(absl::Seconds(5));
  ASSERT_EQ(Get("devices/gw-1")->reported_version(), 3);
  EXPECT_EQ(inner_->gets, 2);
  EXPECT_EQ(cache_->stats().hits, 1);
  EXPECT_EQ(cache_->stats().misses, 2);
}

TEST_F(ConfigCacheTest, ThisReplicasConfigWritesDropTheDevicesEntry) {
  ASSERT_TRUE(Get("devices/gw-1").ok());
  ASSERT_TRUE(Get("devices/gw-2").ok());
  inner_->reported = 7;
  config::v1::SetDesiredConfigRequest set;
  set.set_device("devices/gw-1");
  set.set_body_json("{}");
  ASSERT_TRUE(cache_->SetDesiredConfig(set, {}).ok());
  EXPECT_EQ(Get("devices/gw-1")->reported_version(), 7);
  EXPECT_EQ(Get("devices/gw-2")->reported_version(), 2);  // another device: untouched
  EXPECT_EQ(inner_->gets, 3);

  config::v1::RollbackConfigRequest rollback;
  rollback.set_device("devices/gw-2");
  rollback.set_version(1);
  ASSERT_TRUE(cache_->RollbackConfig(rollback, {}).ok());
  EXPECT_EQ(Get("devices/gw-2")->reported_version(), 7);
  EXPECT_EQ(inner_->gets, 4);
}

TEST_F(ConfigCacheTest, TemplateWritesDropEveryEntry) {
  ASSERT_TRUE(Get("devices/gw-1").ok());
  ASSERT_TRUE(Get("devices/gw-2").ok());
  config::v1::PutConfigTemplateRequest put;
  put.mutable_template_()->set_name("configTemplates/global");
  (void)cache_->PutConfigTemplate(put, {});
  ASSERT_TRUE(Get("devices/gw-1").ok());
  ASSERT_TRUE(Get("devices/gw-2").ok());
  EXPECT_EQ(inner_->gets, 4);
  config::v1::DeleteConfigTemplateRequest del;
  del.set_name("configTemplates/global");
  (void)cache_->DeleteConfigTemplate(del, {});
  ASSERT_TRUE(Get("devices/gw-1").ok());
  EXPECT_EQ(inner_->gets, 5);
}

TEST_F(ConfigCacheTest, AReadThatStartedBeforeAWriteDoesNotStoreWhatItRead) {
  inner_->during_read = [this] {
    config::v1::SetDesiredConfigRequest set;
    set.set_device("devices/gw-1");
    set.set_body_json(R"({"a":2})");
    ASSERT_TRUE(cache_->SetDesiredConfig(set, {}).ok());
  };
  ASSERT_TRUE(Get("devices/gw-1").ok());  // read the old config, the write landed meanwhile
  ASSERT_TRUE(Get("devices/gw-1").ok());
  EXPECT_EQ(inner_->gets, 2);  // the stale read was not served again
  ASSERT_TRUE(Get("devices/gw-1").ok());
  EXPECT_EQ(inner_->gets, 2);
}

TEST_F(ConfigCacheTest, ErrorsAreNeverCachedAndZeroTtlPassesThrough) {
  inner_->fail = absl::NotFoundError("no such device");
  EXPECT_EQ(Get("devices/gw-404").status().code(), absl::StatusCode::kNotFound);
  inner_->fail = absl::OkStatus();
  EXPECT_TRUE(Get("devices/gw-404").ok());
  EXPECT_EQ(inner_->gets, 2);

  auto inner = std::make_unique<Counting>();
  Counting* counting = inner.get();
  CachingConfigBackend off(std::move(inner), TtlCacheOptions{}, clock_);
  config::v1::GetDeviceConfigRequest r;
  r.set_device("devices/gw-1");
  ASSERT_TRUE(off.GetDeviceConfig(r, {}).ok());
  ASSERT_TRUE(off.GetDeviceConfig(r, {}).ok());
  EXPECT_EQ(counting->gets, 2);
}

}  // namespace
}  // namespace fleet::bff
