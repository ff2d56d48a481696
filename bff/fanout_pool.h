#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace fleet::bff {

// A fixed set of threads for the parallel backend calls of one request (`:overview` asks
// device-config and device-online at once), instead of a new thread per call (std::async made
// 2 threads per overview, ~3.5 tasks created per request machine-wide under load).
//
// Run() returns a future; when `max_queued` tasks are already waiting it runs the task on the
// caller's thread instead (the caller then just does the calls in sequence), so a burst never
// queues without bound. Tasks must not wait for other tasks of the same pool. The destructor
// finishes queued tasks, then joins. Thread-safe.
class FanoutPool {
 public:
  explicit FanoutPool(int threads, size_t max_queued = 1024);
  ~FanoutPool();
  FanoutPool(const FanoutPool&) = delete;
  FanoutPool& operator=(const FanoutPool&) = delete;

  template <typename F>
  std::future<std::invoke_result_t<F>> Run(F f) {
    auto task = std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::move(f));
    std::future<std::invoke_result_t<F>> out = task->get_future();
    if (!Enqueue([task] { (*task)(); })) (*task)();
    return out;
  }

  struct Stats {
    int64_t queued = 0;  // tasks run by the pool
    int64_t inline_runs = 0;  // tasks run by the caller because the queue was full
  };
  Stats stats();

 private:
  bool Enqueue(std::function<void()> job);
  void Work();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace fleet::bff
