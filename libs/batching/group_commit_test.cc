#include "libs/batching/group_commit.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fleet::batching {
namespace {

// A result without a default constructor: GroupCommit must not need one.
struct Doubled {
  explicit Doubled(int v) : value(v) {}
  int value;
};

TEST(GroupCommitTest, AloneEachCallIsItsOwnBatch) {
  int sends = 0;
  GroupCommit<int, Doubled> g({}, [&](const std::vector<const int*>& in) {
    ++sends;
    std::vector<Doubled> out;
    for (const int* x : in) out.emplace_back(*x * 2);
    return out;
  });
  for (int i = 0; i < 10; ++i) EXPECT_EQ(g.Call(i).value, i * 2);
  EXPECT_EQ(sends, 10);
  const GroupCommitStats st = g.stats();
  EXPECT_EQ(st.calls, 10);
  EXPECT_EQ(st.batches, 10);
  EXPECT_EQ(st.max_batch, 1);
}

// Many threads against a slow far side: every caller gets its own result, every call is sent
// exactly once, overlapping calls share batches, and never more than max_inflight batches are out.
TEST(GroupCommitTest, ConcurrentCallersShareBatchesAndGetTheirOwnResults) {
  constexpr int kThreads = 16;
  constexpr int kCalls = 200;
  std::atomic<int> out_now{0}, most_out{0}, sent{0};
  GroupCommit<int, Doubled> g({.max_batch = 8, .max_inflight = 2}, [&](const std::vector<const int*>& in) {
    const int now = ++out_now;
    int seen = most_out.load();
    while (now > seen && !most_out.compare_exchange_weak(seen, now)) {
    }
    absl::SleepFor(absl::Microseconds(200));
    sent += static_cast<int>(in.size());
    std::vector<Doubled> out;
    for (const int* x : in) out.emplace_back(*x * 2);
    --out_now;
    return out;
  });
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const int mine = t * 100'000 + i;
        if (g.Call(mine).value != mine * 2) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(sent.load(), kThreads * kCalls);
  EXPECT_LE(most_out.load(), 2);
  const GroupCommitStats st = g.stats();
  EXPECT_EQ(st.calls, kThreads * kCalls);
  EXPECT_LT(st.batches, st.calls / 2);
  EXPECT_GT(st.max_batch, 1);
  EXPECT_LE(st.max_batch, 8);
}

}  // namespace
}  // namespace fleet::batching
