#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "services/device-online/domain/presence.h"

namespace fleet::online {

// Fans transitions out to live watchers (WatchPresence streams). Each watcher has a bounded
// queue; a watcher that falls further behind than that is closed as "overflowed" rather than
// slowing everyone down or growing without bound. Thread-safe.
class WatchHub {
 public:
  class Subscription {
   public:
    // Waits up to `timeout` for transitions; returns what is queued (empty on timeout).
    // Once closed, returns empty immediately.
    std::vector<Transition> Next(absl::Duration timeout);
    bool overflowed();
    bool closed();

   private:
    friend class WatchHub;
    Subscription(absl::flat_hash_set<std::string> devices, size_t capacity)
        : devices_(std::move(devices)), capacity_(capacity) {}
    void Offer(const Transition& t);
    void Close();

    const absl::flat_hash_set<std::string> devices_;  // empty = all
    const size_t capacity_;
    absl::Mutex mu_;
    std::deque<Transition> queue_ ABSL_GUARDED_BY(mu_);
    bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
    bool closed_ ABSL_GUARDED_BY(mu_) = false;
  };

  explicit WatchHub(size_t per_watcher_capacity = 10000) : capacity_(per_watcher_capacity) {}
  ~WatchHub();

  std::shared_ptr<Subscription> Subscribe(std::vector<std::string> device_ids);
  void Unsubscribe(const std::shared_ptr<Subscription>& s);
  void Publish(const std::vector<Transition>& transitions);
  // Closes every subscription (shutdown).
  void CloseAll();
  size_t watchers();

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::online
