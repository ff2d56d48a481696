#include "bff/fanout_pool.h"

#include <algorithm>

namespace fleet::bff {

FanoutPool::FanoutPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  threads = std::max(threads, 1);
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

FanoutPool::~FanoutPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool FanoutPool::Enqueue(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || jobs_.size() >= max_queued_) {
    ++stats_.inline_runs;
    return false;
  }
  jobs_.push_back(std::move(job));
  ++stats_.queued;
  return true;
}

void FanoutPool::Work() {
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](FanoutPool* p) ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->stopping_ || !p->jobs_.empty(); }, this));
      if (jobs_.empty()) return;  // stopping, and nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

FanoutPool::Stats FanoutPool::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace fleet::bff
