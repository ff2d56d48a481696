#include "bff/auth/call_log.h"

#include <vector>

#include "libs/log/log.h"

namespace fleet::bff::auth {

CallLog::CallLog(Store& store, prometheus::Registry& registry, absl::Duration flush_interval, size_t max_queue)
    : store_(store),
      flush_interval_(flush_interval),
      max_queue_(max_queue),
      dropped_(prometheus::BuildCounter()
                   .Name("bff_key_calls_dropped_total")
                   .Help("API key call log entries dropped (queue full or database write failed)")
                   .Register(registry)
                   .Add({})),
      thread_([this] { Run(); }) {}

CallLog::~CallLog() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  thread_.join();
  Flush();
}

void CallLog::Append(KeyCall call) {
  absl::MutexLock l(&mu_);
  if (queue_.size() >= max_queue_) {
    dropped_.Increment();
    return;
  }
  queue_.push_back(std::move(call));
}

void CallLog::Flush() {
  absl::MutexLock f(&flush_mu_);
  std::vector<KeyCall> batch;
  {
    absl::MutexLock l(&mu_);
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  if (batch.empty()) return;
  if (absl::Status st = store_.AppendCalls(batch); !st.ok()) {
    dropped_.Increment(static_cast<double>(batch.size()));
    log::WarnEvery("auth.call_log", absl::Seconds(10), "API key call log write failed; calls dropped",
                   {{"error", st.message()}, {"calls", static_cast<int64_t>(batch.size())}});
  }
}

void CallLog::Run() {
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), flush_interval_)) return;
    }
    Flush();
  }
}

}  // namespace fleet::bff::auth
