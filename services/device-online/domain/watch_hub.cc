#include "services/device-online/domain/watch_hub.h"

#include <algorithm>

namespace fleet::online {

void WatchHub::Subscription::Offer(const Transition& t) {
  if (!devices_.empty() && !devices_.contains(t.device_id)) return;
  absl::MutexLock l(&mu_);
  if (closed_) return;
  if (queue_.size() >= capacity_) {
    overflowed_ = true;
    closed_ = true;
    queue_.clear();
    return;
  }
  queue_.push_back(t);
}

void WatchHub::Subscription::Close() {
  absl::MutexLock l(&mu_);
  closed_ = true;
}

std::vector<Transition> WatchHub::Subscription::Next(absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  std::vector<Transition> out(queue_.begin(), queue_.end());
  queue_.clear();
  return out;
}

bool WatchHub::Subscription::overflowed() {
  absl::MutexLock l(&mu_);
  return overflowed_;
}

bool WatchHub::Subscription::closed() {
  absl::MutexLock l(&mu_);
  return closed_;
}

WatchHub::~WatchHub() { CloseAll(); }

std::shared_ptr<WatchHub::Subscription> WatchHub::Subscribe(std::vector<std::string> device_ids) {
  std::shared_ptr<Subscription> s(new Subscription(
      absl::flat_hash_set<std::string>(device_ids.begin(), device_ids.end()), capacity_));
  absl::MutexLock l(&mu_);
  subs_.push_back(s);
  return s;
}

void WatchHub::Unsubscribe(const std::shared_ptr<Subscription>& s) {
  s->Close();
  absl::MutexLock l(&mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void WatchHub::Publish(const std::vector<Transition>& transitions) {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    absl::MutexLock l(&mu_);
    subs = subs_;
  }
  for (const auto& s : subs) {
    for (const Transition& t : transitions) s->Offer(t);
  }
}

void WatchHub::CloseAll() {
  absl::MutexLock l(&mu_);
  for (const auto& s : subs_) s->Close();
  subs_.clear();
}

size_t WatchHub::watchers() {
  absl::MutexLock l(&mu_);
  return subs_.size();
}

}  // namespace fleet::online
