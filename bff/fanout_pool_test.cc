#include "bff/fanout_pool.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

// Two tasks that can only finish when both run at the same time (each waits, bounded, for the
// other to start).
TEST(FanoutPoolTest, TasksRunInParallelOnThePoolsThreads) {
  FanoutPool pool(2);
  std::atomic<int> started{0};
  auto meet = [&started] {
    ++started;
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (started.load() < 2 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    return std::make_pair(started.load(), std::this_thread::get_id());
  };
  auto a = pool.Run(meet);
  auto b = pool.Run(meet);
  const auto [na, ta] = a.get();
  const auto [nb, tb] = b.get();
  EXPECT_EQ(na, 2);
  EXPECT_EQ(nb, 2);
  EXPECT_NE(ta, tb);
  EXPECT_NE(ta, std::this_thread::get_id());
  EXPECT_EQ(pool.stats().queued, 2);
  EXPECT_EQ(pool.stats().inline_runs, 0);
}

TEST(FanoutPoolTest, AFullQueueRunsTheTaskOnTheCaller) {
  FanoutPool pool(1, /*max_queued=*/1);
  absl::Notification started, release;
  auto busy = pool.Run([&] {
    started.Notify();
    release.WaitForNotification();
    return 1;
  });
  started.WaitForNotification();  // the only worker holds `busy`; the queue is empty
  auto queued = pool.Run([] { return std::this_thread::get_id(); });      // waits in the queue
  auto inline_run = pool.Run([] { return std::this_thread::get_id(); });  // queue full: here
  EXPECT_EQ(inline_run.get(), std::this_thread::get_id());
  EXPECT_EQ(pool.stats().inline_runs, 1);
  EXPECT_EQ(pool.stats().queued, 2);
  release.Notify();
  EXPECT_EQ(busy.get(), 1);
  EXPECT_NE(queued.get(), std::this_thread::get_id());
}

TEST(FanoutPoolTest, DestructionFinishesQueuedTasks) {
  std::vector<std::future<int>> results;
  {
    FanoutPool pool(1);
    for (int i = 0; i < 50; ++i) results.push_back(pool.Run([i] { return i * i; }));
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(results[i].get(), i * i);
}

TEST(FanoutPoolTest, ExceptionsReachTheCaller) {
  FanoutPool pool(1);
  auto f = pool.Run([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);
}

}  // namespace
}  // namespace fleet::bff
