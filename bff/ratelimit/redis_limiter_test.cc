#include "bff/ratelimit/redis_limiter.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "libs/testing/servers.h"
#include "prometheus/registry.h"

namespace fleet::bff::ratelimit {
namespace {

double CounterValue(prometheus::Registry& r, const std::string& name) {
  for (const auto& f : r.Collect()) {
    if (f.name == name && !f.metric.empty()) return f.metric[0].counter.value;
  }
  return -1;
}

redis::Options Options(int port) {
  redis::Options o;
  o.port = port;
  o.pool_size = 8;
  o.command_timeout = absl::Milliseconds(300);
  o.connect_timeout = absl::Milliseconds(300);
  return o;
}

class RedisLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = testing::RedisServer::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    limiter_ = std::make_unique<RedisLimiter>(Options(server_->port()), registry_, absl::Milliseconds(200));
  }

  // `threads` threads call Decide(key) until `duration` passed; returns admitted and elapsed.
  std::pair<int64_t, absl::Duration> Hammer(const std::string& key, const std::vector<Window>& w, int threads,
                                            absl::Duration duration) {
    std::atomic<int64_t> admitted{0};
    const absl::Time start = absl::Now();
    std::vector<std::thread> ts;
    for (int i = 0; i < threads; ++i) {
      ts.emplace_back([&] {
        while (absl::Now() - start < duration) admitted += limiter_->Decide(key, w).allowed ? 1 : 0;
      });
    }
    for (auto& t : ts) t.join();
    return {admitted.load(), absl::Now() - start};
  }

  std::unique_ptr<testing::RedisServer> server_;
  prometheus::Registry registry_;
  std::unique_ptr<RedisLimiter> limiter_;
};

// GCRA from a fresh state admits at most the burst (limit) plus one per emission interval of
// elapsed time, however many callers race.
TEST_F(RedisLimiterTest, NoOverAdmissionUnderConcurrency) {
  const std::vector<Window> w = {{100, absl::Minutes(1)}, {50, absl::Seconds(1)}};
  auto [admitted, elapsed] = Hammer("flood", w, 8, absl::Seconds(2));
  // 50/s: burst 50, then one per 20 ms; 100/min caps the total at 100 + elapsed/0.6 s.
  const int64_t per_second_bound = 50 + absl::ToInt64Milliseconds(elapsed) / 20 + 1;
  const int64_t per_minute_bound = 100 + absl::ToInt64Milliseconds(elapsed) / 600 + 1;
  EXPECT_LE(admitted, std::min(per_second_bound, per_minute_bound));
  EXPECT_GE(admitted, 100);  // the minute's burst is reachable within 2 s at 50/s
  EXPECT_EQ(CounterValue(registry_, "bff_ratelimit_fallback_total"), 0);
}

// Concurrent decisions share Redis round trips (pipelined), each still exact: the admitted count
// equals the limit when every caller asks for one slot of a window that cannot replenish.
TEST_F(RedisLimiterTest, ConcurrentDecisionsSharePipelinesAndStayExact) {
  const std::vector<Window> w = {{3000, absl::Hours(24)}};
  auto [admitted, elapsed] = Hammer("shared", w, 16, absl::Seconds(1));
  const redis::ScriptBatcher::Stats st = limiter_->BatchStats();
  EXPECT_EQ(admitted, std::min<int64_t>(3000, st.calls));
  EXPECT_GT(st.calls, 200);
  EXPECT_LT(st.pipelines, st.calls);
  EXPECT_GT(st.max_pipeline, 1);
  EXPECT_EQ(CounterValue(registry_, "bff_ratelimit_fallback_total"), 0);
}

TEST_F(RedisLimiterTest, AFloodFromOneKeyNeverRejectsAnother) {
  const std::vector<Window> w = {{20, absl::Seconds(1)}};
  std::atomic<bool> stop{false};
  std::vector<std::thread> flood;
  for (int i = 0; i < 4; ++i) {
    flood.emplace_back([&] {
      while (!stop) limiter_->Decide("key-a", w);
    });
  }
  int b_rejected = 0;
  for (int i = 0; i < 15; ++i) {
    b_rejected += limiter_->Decide("key-b", w).allowed ? 0 : 1;
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (auto& t : flood) t.join();
  EXPECT_EQ(b_rejected, 0);
  EXPECT_FALSE(limiter_->Decide("key-a", w).allowed);
}

TEST_F(RedisLimiterTest, RejectedCallsConsumeNoWindow) {
  const std::vector<Window> both = {{10, absl::Minutes(1)}, {3, absl::Hours(1)}};
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += limiter_->Decide("k", both).allowed ? 1 : 0;
  EXPECT_EQ(admitted, 3);
  Decision d = limiter_->Decide("k", {{10, absl::Minutes(1)}});
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 6);  // 10 - 3 - this one
  Decision no = limiter_->Decide("k", both);
  EXPECT_FALSE(no.allowed);
  EXPECT_GT(no.retry_after, absl::Minutes(19));  // one per 20 minutes in the hour window
}

TEST_F(RedisLimiterTest, FallsBackToLocalLimitsWhenRedisDiesAndComesBack) {
  const std::vector<Window> w = {{5, absl::Minutes(1)}};
  EXPECT_TRUE(limiter_->Decide("k", w).allowed);
  server_->Kill();
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += limiter_->Decide("k", w).allowed ? 1 : 0;
  EXPECT_EQ(admitted, 5);  // the local limiter starts fresh: its own burst of 5
  EXPECT_GE(CounterValue(registry_, "bff_ratelimit_fallback_total"), 20);
  EXPECT_GE(CounterValue(registry_, "bff_ratelimit_redis_errors_total"), 1);

  ASSERT_TRUE(server_->Restart().ok());
  absl::SleepFor(absl::Milliseconds(300));  // past retry_interval
  const double before = CounterValue(registry_, "bff_ratelimit_fallback_total");
  // Redis answers again (fresh, empty): a new key gets its full burst from Redis.
  int back = 0;
  for (int i = 0; i < 3 && back == 0; ++i) {  // the first call may meet a stale pooled connection
    back = limiter_->Decide("fresh", w).allowed ? 1 : 0;
  }
  EXPECT_EQ(back, 1);
  absl::SleepFor(absl::Milliseconds(300));
  const double mid = CounterValue(registry_, "bff_ratelimit_fallback_total");
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter_->Decide("fresh2", w).allowed);
  EXPECT_EQ(CounterValue(registry_, "bff_ratelimit_fallback_total"), mid);
  EXPECT_GE(mid, before);
}

TEST_F(RedisLimiterTest, DuringAnOutageOnlyOneRequestPerIntervalProbesRedis) {
  const std::vector<Window> w = {{1000000, absl::Seconds(1)}};
  ASSERT_TRUE(limiter_->Decide("k", w).allowed);
  server_->Kill();
  // The first failure, from one caller: without it, every thread already on its way to Redis
  // when it died would fail too and count an error of its own (a race, not a probe).
  limiter_->Decide("k", w);
  const double first = CounterValue(registry_, "bff_ratelimit_redis_errors_total");
  EXPECT_EQ(first, 1);
  auto [admitted, elapsed] = Hammer("k", w, 8, absl::Milliseconds(600));
  EXPECT_GT(admitted, 100);  // decided locally, quickly
  // retry_interval is 200 ms: about 3 probes (+1 for the first failure, +1 for timing slack).
  EXPECT_LE(CounterValue(registry_, "bff_ratelimit_redis_errors_total"), 6);
}

// Slot leases (opt-in): a hot key is decided mostly without Redis, never beyond its limit.
class LeasingLimiterTest : public RedisLimiterTest {
 protected:
  void SetUp() override {
    RedisLimiterTest::SetUp();
    limiter_ = NewLimiter(kLeases, lease_registry_);
  }
  std::unique_ptr<RedisLimiter> NewLimiter(LeaseOptions lease, prometheus::Registry& registry) {
    return std::make_unique<RedisLimiter>(Options(server_->port()), registry, absl::Milliseconds(200), lease);
  }
  // 8 threads share `limiters` in turn and decide `key` until 50 refusals were seen (the budget is
  // spent and no lease has slots left), or 10 s passed. Returns the admitted count.
  static int64_t SpendAll(const std::vector<Limiter*>& limiters, const std::string& key, const std::vector<Window>& w) {
    std::atomic<int64_t> admitted{0}, refused{0};
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i) {
      ts.emplace_back([&, i] {
        Limiter* l = limiters[i % limiters.size()];
        while (refused.load() < 50 && absl::Now() < deadline) {
          (l->Decide(key, w).allowed ? admitted : refused) += 1;
        }
      });
    }
    for (auto& t : ts) t.join();
    EXPECT_GE(refused.load(), 50) << "the budget was not spent within 10 s";
    // Refusals can come while a lease still has slots (another thread took the last ones from
    // Redis): spend those too, then nothing is left anywhere.
    for (Limiter* l : limiters) {
      for (int i = 0; i < 64 && l->Decide(key, w).allowed; ++i) ++admitted;
      EXPECT_FALSE(l->Decide(key, w).allowed);
    }
    return admitted.load();
  }
  static constexpr LeaseOptions kLeases{.max_slots = 64, .ttl = absl::Milliseconds(200)};
  // For back-to-back checks that must not see a lease lapse on a slow machine.
  static constexpr LeaseOptions kLongLeases{.max_slots = 64, .ttl = absl::Seconds(30)};
  prometheus::Registry lease_registry_;
};

TEST_F(LeasingLimiterTest, AHotKeyIsDecidedMostlyWithoutRedisAndNeverOverAdmitted) {
  const std::vector<Window> w = {{3000, absl::Hours(24)}};
  const int64_t admitted = SpendAll({limiter_.get()}, "hot", w);
  EXPECT_LE(admitted, 3000);
  // Threads keep using what was leased: at most one lease's slots (< 64) are left unused.
  EXPECT_GT(admitted, 3000 - kLeases.max_slots);
  const double leased = CounterValue(lease_registry_, "bff_ratelimit_leased_total");
  EXPECT_GE(leased, admitted / 2) << "calls to Redis " << limiter_->BatchStats().calls;
  EXPECT_EQ(CounterValue(lease_registry_, "bff_ratelimit_fallback_total"), 0);
}

TEST_F(LeasingLimiterTest, TwoReplicasTogetherStayWithinTheLimit) {
  prometheus::Registry other_registry;
  std::unique_ptr<RedisLimiter> other = NewLimiter(kLeases, other_registry);
  const std::vector<Window> w = {{2000, absl::Hours(24)}};
  const int64_t admitted = SpendAll({limiter_.get(), other.get()}, "shared", w);
  EXPECT_LE(admitted, 2000);
  EXPECT_GT(admitted, 2000 - 2 * kLeases.max_slots);
  EXPECT_GT(CounterValue(other_registry, "bff_ratelimit_leased_total"), 0);
}

TEST_F(LeasingLimiterTest, BackToBackCallsAreAdmittedExactlyUpToTheLimit) {
  // Leases of 1, 2, 4, then 5 (an eighth of 40), and the last one only partly granted: no slot of
  // the budget is lost on the way to the limit.
  prometheus::Registry registry;
  std::unique_ptr<RedisLimiter> limiter = NewLimiter(kLongLeases, registry);
  const std::vector<Window> w = {{40, absl::Hours(1)}};
  int admitted = 0;
  for (int i = 0; i < 60; ++i) admitted += limiter->Decide("burst", w).allowed ? 1 : 0;
  EXPECT_EQ(admitted, 40);
  EXPECT_GT(CounterValue(registry, "bff_ratelimit_leased_total"), 20);
}

TEST_F(LeasingLimiterTest, SmallLimitsNeverLease) {
  const std::vector<Window> w = {{10, absl::Hours(1)}};  // an eighth of 10 is 1
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += limiter_->Decide("small", w).allowed ? 1 : 0;
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(CounterValue(lease_registry_, "bff_ratelimit_leased_total"), 0);
}

TEST_F(LeasingLimiterTest, ASlowKeyLeasesNothingAndLosesNothing) {
  // One request per 250 ms, longer than a lease lives (200 ms): every decision is exact.
  const std::vector<Window> w = {{20, absl::Hours(1)}};
  for (int i = 0; i < 5; ++i) {
    const Decision d = limiter_->Decide("slow", w);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 19 - i);
    absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_EQ(CounterValue(lease_registry_, "bff_ratelimit_leased_total"), 0);
}

TEST_F(LeasingLimiterTest, AKeyBackFromIdleStartsAgainAtOneSlot) {
  const std::vector<Window> w = {{1000000, absl::Hours(24)}};
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(limiter_->Decide("idle", w).allowed);  // leases grow to 64
  absl::SleepFor(absl::Milliseconds(450));  // more than two lease times
  const double before = CounterValue(lease_registry_, "bff_ratelimit_leased_total");
  // Leases of 1, then 2 (one leased decision), then 4: had the size stayed large, all but the
  // first of these four would come from a lease.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter_->Decide("idle", w).allowed);
  EXPECT_EQ(CounterValue(lease_registry_, "bff_ratelimit_leased_total") - before, 1);
}

TEST_F(LeasingLimiterTest, RemainingCountsTheReplicasLeasedSlots) {
  prometheus::Registry registry;
  std::unique_ptr<RedisLimiter> limiter = NewLimiter(kLongLeases, registry);
  const std::vector<Window> w = {{100, absl::Hours(1)}};
  // Back to back: leases of 1, 2, 4: Remaining counts Redis's slots plus this replica's unused ones.
  for (int i = 0; i < 7; ++i) {
    const Decision d = limiter->Decide("hdr", w);
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.limit, 100);
    EXPECT_EQ(d.remaining, 100 - 1 - i) << i;
  }
}

TEST(RedisLimiterStartupTest, StartsWithoutRedisAndConnectsWhenItAppears) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  (*server)->Kill();
  prometheus::Registry registry;
  RedisLimiter limiter(Options(port), registry, absl::Milliseconds(100));
  const std::vector<Window> w = {{2, absl::Minutes(1)}};
  EXPECT_TRUE(limiter.Decide("k", w).allowed);  // local fallback
  EXPECT_GE(CounterValue(registry, "bff_ratelimit_fallback_total"), 1);
  ASSERT_TRUE((*server)->Restart().ok());
  absl::SleepFor(absl::Milliseconds(150));
  const double before = CounterValue(registry, "bff_ratelimit_fallback_total");
  EXPECT_TRUE(limiter.Decide("k", w).allowed);
  EXPECT_TRUE(limiter.Decide("k", w).allowed);  // Redis starts fresh: its own burst of 2
  EXPECT_FALSE(limiter.Decide("k", w).allowed);
  EXPECT_EQ(CounterValue(registry, "bff_ratelimit_fallback_total"), before);
}

}  // namespace
}  // namespace fleet::bff::ratelimit
