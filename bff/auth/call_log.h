#pragma once

#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "bff/auth/store.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace fleet::bff::auth {

// The per-API-key call log, written in the background so calls do not wait for the database:
// Append() queues (at most `max_queue` calls; beyond that calls are dropped and counted in
// bff_key_calls_dropped_total), a thread writes batches every `flush_interval`. A failed write
// is logged (WarnEvery) and its batch dropped and counted. Flush() writes what is queued now.
// The destructor flushes and stops the thread. Thread-safe.
class CallLog {
 public:
  CallLog(Store& store, prometheus::Registry& registry, absl::Duration flush_interval = absl::Milliseconds(200),
          size_t max_queue = 50'000);
  ~CallLog();
  void Append(KeyCall call);
  void Flush();

 private:
  void Run();

  Store& store_;
  const absl::Duration flush_interval_;
  const size_t max_queue_;
  prometheus::Counter& dropped_;
  absl::Mutex mu_;
  std::deque<KeyCall> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex flush_mu_;  // one writer at a time, keeps batches in order
  std::thread thread_;
};

}  // namespace fleet::bff::auth
