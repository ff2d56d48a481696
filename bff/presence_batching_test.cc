#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bff/api_test_support.h"
#include "bff/presence_backend.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

// device-online as the batching backend sees it: counts calls; the first GetPresence can be held
// until released, so that the Gets started meanwhile queue and must share one batch.
class Inner : public testing::FakePresence {
 public:
  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext& c) override {
    const bool first = gets.fetch_add(1) == 0;
    if (first && hold) release.WaitForNotification();
    absl::SleepFor(absl::Microseconds(300));  // a round trip
    return FakePresence::Get(name, c);
  }
  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext& c) override {
    ++batches;
    batched_ids += req.device_ids_size();
    last_batch_context = c;
    absl::SleepFor(absl::Microseconds(300));  // a round trip, so that concurrent Gets overlap
    return FakePresence::BatchGet(req, c);
  }
  std::atomic<int> gets{0}, batches{0}, batched_ids{0};
  bool hold = false;
  absl::Notification release;
  CallContext last_batch_context;
};

class PresenceBatchingTest : public ::testing::Test {
 protected:
  void Make(PresenceBatchOptions options) {
    auto inner = std::make_unique<Inner>();
    inner_ = inner.get();
    backend_ = NewBatchingPresenceBackend(std::move(inner), options);
  }
  // Gets `names` each on its own thread while the first GetPresence is held, then releases it:
  // everything after the first queues behind it (max_inflight 1) and goes in one batch.
  std::vector<absl::StatusOr<presence::v1::Presence>> HeldTogether(const std::vector<std::string>& names,
                                                                   const std::vector<CallContext>& calls) {
    inner_->hold = true;
    std::vector<absl::StatusOr<presence::v1::Presence>> out(names.size(), absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    threads.emplace_back([&] { out[0] = backend_->Get("devices/first/presence", calls[0]); });
    while (inner_->gets.load() == 0) absl::SleepFor(absl::Milliseconds(1));
    for (size_t i = 0; i < names.size(); ++i) {
      if (i == 0) continue;
      threads.emplace_back([&, i] { out[i] = backend_->Get(names[i], calls[i]); });
    }
    absl::SleepFor(absl::Milliseconds(200));  // let them queue
    inner_->release.Notify();
    for (std::thread& t : threads) t.join();
    return out;
  }

  Inner* inner_ = nullptr;
  std::unique_ptr<PresenceBackend> backend_;
};

TEST_F(PresenceBatchingTest, AGetAloneIsAPlainGetPresence) {
  Make({.max_batch = 64});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(backend_->Get("devices/gw-1/presence", {}).ok());
  EXPECT_EQ(inner_->gets.load(), 5);
  EXPECT_EQ(inner_->batches.load(), 0);
}

TEST_F(PresenceBatchingTest, GetsQueuedTogetherShareOneBatchAndEachGetsItsOwnAnswer) {
  Make({.max_batch = 64, .max_inflight = 1});
  std::vector<std::string> names = {"devices/first/presence"};
  for (int i = 1; i <= 10; ++i) names.push_back("devices/gw-" + std::to_string(i) + "/presence");
  names.push_back("devices/gw-3/presence");  // the same device twice: asked once
  names.push_back("devices/never-seen/presence");
  std::vector<CallContext> calls(names.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].request_id = "req-" + std::to_string(i);
    calls[i].deadline = absl::Now() + absl::Seconds(30);
  }
  calls[7].deadline = absl::Now() + absl::Seconds(5);  // the earliest: the batch's deadline
  const auto out = HeldTogether(names, calls);

  EXPECT_EQ(inner_->gets.load(), 1);
  EXPECT_EQ(inner_->batches.load(), 1);
  EXPECT_EQ(inner_->batched_ids.load(), 11);  // gw-1..gw-10 and never-seen
  EXPECT_EQ(inner_->last_batch_context.deadline, calls[7].deadline);
  EXPECT_TRUE(absl::StartsWith(inner_->last_batch_context.request_id, "req-"));
  for (size_t i = 1; i + 1 < names.size(); ++i) {
    ASSERT_TRUE(out[i].ok()) << names[i] << ": " << out[i].status();
    EXPECT_EQ(out[i]->name(), names[i]);
  }
  const absl::Status& nf = out.back().status();
  EXPECT_EQ(nf.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(nf), "PRESENCE_NOT_FOUND");
  EXPECT_EQ(status::Metadata(nf).at("device_id"), "never-seen");
}

TEST_F(PresenceBatchingTest, AFailedBatchFailsEachGetInItWithItsStatus) {
  Make({.max_batch = 64, .max_inflight = 1});
  std::vector<std::string> names = {"devices/first/presence", "devices/a/presence", "devices/b/presence"};
  std::vector<CallContext> calls(names.size());
  inner_->fail = absl::UnavailableError("device-online is down");
  const auto out = HeldTogether(names, calls);
  EXPECT_EQ(inner_->batches.load(), 1);
  for (const auto& r : out) EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(PresenceBatchingTest, AMalformedNameGoesAloneToGetPresence) {
  Make({.max_batch = 64});
  ASSERT_TRUE(backend_->Get("gw-1", {}).ok());                    // a bare id
  ASSERT_TRUE(backend_->Get("devices/bad id!/presence", {}).ok());  // the fake accepts; the service would not
  EXPECT_EQ(inner_->gets.load(), 2);
  EXPECT_EQ(inner_->batches.load(), 0);
}

// Many request threads at once: every Get gets its own device, and they share far fewer calls.
TEST_F(PresenceBatchingTest, ManyThreadsShareCallsAndNeverMixUpDevices) {
  Make({.max_batch = 100, .max_inflight = 2});
  constexpr int kThreads = 16, kGets = 100;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kGets; ++i) {
        const std::string name = "devices/t" + std::to_string(t) + "-" + std::to_string(i) + "/presence";
        auto p = backend_->Get(name, {});
        if (!p.ok() || p->name() != name) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(inner_->gets.load() + inner_->batched_ids.load(), kThreads * kGets);
  EXPECT_GT(inner_->batches.load(), 0);
  EXPECT_LT(inner_->gets.load() + inner_->batches.load(), kThreads * kGets / 2);
}

TEST_F(PresenceBatchingTest, BatchOfOneMeansOff) {
  Make({.max_batch = 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) (void)backend_->Get("devices/gw-1/presence", {});
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(inner_->gets.load(), 160);
  EXPECT_EQ(inner_->batches.load(), 0);
}

}  // namespace
}  // namespace fleet::bff
