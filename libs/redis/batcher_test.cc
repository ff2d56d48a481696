#include "libs/redis/batcher.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/redis/test_fixture.h"

namespace fleet::redis {
namespace {

// Counts calls in KEYS[1]; answers {count, ARGV[1]}, or an error reply when ARGV[1] is "bad".
const char kCountEcho[] = R"lua(
if ARGV[1] == 'bad' then return redis.error_reply('BAD input') end
local n = redis.call('INCR', KEYS[1])
return {n, ARGV[1]}
)lua";

class BatcherTest : public RedisFixture {
 protected:
  const Script script_{kCountEcho};
};

TEST_F(BatcherTest, AloneEachCallIsItsOwnRoundTrip) {
  ScriptBatcher b(*client_, script_);
  for (int i = 0; i < 20; ++i) {
    auto r = b.Eval({{"n"}, {absl::StrCat("v", i)}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->elements().at(0).integer(), i + 1);
    EXPECT_EQ(r->elements().at(1).str(), absl::StrCat("v", i));
  }
  const ScriptBatcher::Stats st = b.stats();
  EXPECT_EQ(st.calls, 20);
  EXPECT_EQ(st.pipelines, 20);
  EXPECT_EQ(st.max_pipeline, 1);
}

// Many threads: every caller gets its own reply, every call runs exactly once, and calls that
// overlap share pipelines.
TEST_F(BatcherTest, ConcurrentCallersShareRoundTripsAndGetTheirOwnReplies) {
  ScriptBatcher b(*client_, script_, {.max_batch = 64, .max_inflight = 2});
  constexpr int kThreads = 16;
  constexpr int kCalls = 400;
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string mine = absl::StrCat("t", t, "-", i);
        auto r = b.Eval({{"n"}, {mine}});
        if (!r.ok()) {
          ++failed;
        } else if (r->elements().size() != 2 || r->elements()[1].str() != mine) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  auto n = client_->Command({"GET", "n"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->str(), absl::StrCat(kThreads * kCalls));
  const ScriptBatcher::Stats st = b.stats();
  EXPECT_EQ(st.calls, kThreads * kCalls);
  EXPECT_LT(st.pipelines, st.calls);
  EXPECT_GT(st.max_pipeline, 1);
  EXPECT_LE(st.max_pipeline, 64);
}

TEST_F(BatcherTest, AnErrorReplyGoesOnlyToItsCaller) {
  ScriptBatcher b(*client_, script_);
  std::atomic<int> bad_errors{0}, good_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool bad = (t + i) % 3 == 0;
        auto r = b.Eval({{"n"}, {bad ? "bad" : "ok"}});
        if (!r.ok()) continue;
        if (bad && r->is_error() && r->str().find("BAD input") != std::string::npos) ++bad_errors;
        if (!bad && !r->is_error() && r->elements().at(1).str() == "ok") ++good_ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  int bad = 0;
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 200; ++i) bad += (t + i) % 3 == 0 ? 1 : 0;
  }
  EXPECT_EQ(bad_errors.load(), bad);
  EXPECT_EQ(good_ok.load(), 8 * 200 - bad);
}

TEST_F(BatcherTest, ServerGoneFailsCallsWithUnavailableAndRecovers) {
  ScriptBatcher b(*client_, script_);
  ASSERT_TRUE(b.Eval({{"n"}, {"x"}}).ok());
  server_->Kill();
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto r = b.Eval({{"n"}, {"x"}});
      if (r.status().code() == absl::StatusCode::kUnavailable) ++unavailable;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 4);
  ASSERT_TRUE(server_->Restart().ok());
  // A fresh server knows no scripts: loaded again transparently.
  auto r = b.Eval({{"n"}, {"y"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->elements().at(1).str(), "y");
}

}  // namespace
}  // namespace fleet::redis
