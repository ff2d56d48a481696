// The same scenarios against the in-process store and real Redis.
#include "bff/commands/stream_store.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/testing/servers.h"

namespace fleet::bff::commands {
namespace {

class StreamStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // Redis expires keys on its own clock: the fake clock follows real time there.
    clock_.Set(absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())));
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryStreamStore>(clock_);
      return;
    }
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto opts = redis::OptionsFromAddr(server_->addr());
    ASSERT_TRUE(opts.ok());
    auto client = redis::Client::Connect(*opts);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
    store_ = std::make_unique<RedisStreamStore>(*client_, clock_, "t:");
  }

  LiveStream Stream(const std::string& id, absl::Duration ttl) {
    return {id, "rtsp://x/" + id, "hd", clock_.Now(), clock_.Now() + ttl};
  }

  FakeClock clock_;
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<StreamStore> store_;
};

TEST_P(StreamStoreTest, PutGetDeleteAndExpiry) {
  EXPECT_FALSE(store_->Get("d1")->has_value());
  const LiveStream s = Stream("s1", absl::Minutes(5));
  ASSERT_TRUE(store_->Put("d1", s).ok());
  auto got = store_->Get("d1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, s);
  EXPECT_FALSE(store_->Get("d2")->has_value());
  ASSERT_TRUE(store_->Delete("d1").ok());
  EXPECT_FALSE(store_->Get("d1")->has_value());
  // Expired streams are gone.
  ASSERT_TRUE(store_->Put("d3", Stream("s3", absl::Seconds(1))).ok());
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(store_->Get("d3")->has_value());
}

TEST_P(StreamStoreTest, LockIsSingleFlight) {
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto got = store_->TryLock("d1", absl::Seconds(10));
      if (got.ok() && *got) winners.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_TRUE(*store_->TryLock("d2", absl::Seconds(10))) << "locks are per device";
  ASSERT_TRUE(store_->Unlock("d1").ok());
  EXPECT_TRUE(*store_->TryLock("d1", absl::Seconds(10)));
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamStoreTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::bff::commands
