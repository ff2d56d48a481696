#include "services/device-config/domain/push_queue.h"

#include <algorithm>

namespace fleet::devcfg {

PushQueue::PushQueue(PushPacing pacing) : pacing_(pacing) {}

bool PushQueue::Enqueue(std::string_view device, int64_t version, bool refresh) {
  const std::string id(device);
  if (auto s = highest_sent_.find(id); s != highest_sent_.end()) {
    if (version < s->second || (version == s->second && !refresh)) return false;
  }
  if (in_flight_.contains(id)) {
    auto b = blocked_.find(id);
    if (b != blocked_.end() && version <= b->second.version) {
      if (version == b->second.version) b->second.refresh |= refresh;
      return false;
    }
    blocked_[id] = Blocked{version, refresh};
    return true;
  }
  auto q = queued_.find(id);
  if (q != queued_.end()) {
    // A pending push reads the device's state when it is sent, so it is fresh anyway.
    if (version <= q->second.version) return false;
    q->second.version = version;  // supersede, keeping its place in line
    return true;
  }
  PushBack(id, version);
  return true;
}

void PushQueue::PushBack(const std::string& id, int64_t version) {
  order_.push_back(id);
  queued_[id] = Pending{version, std::prev(order_.end())};
}

void PushQueue::Refill(absl::Time now) {
  const double burst = std::max(1.0, pacing_.per_second);
  if (last_refill_ == absl::InfinitePast()) {
    tokens_ = burst;
  } else if (now > last_refill_) {
    tokens_ = std::min(burst, tokens_ + absl::ToDoubleSeconds(now - last_refill_) * pacing_.per_second);
  }
  last_refill_ = std::max(last_refill_, now);
}

void PushQueue::ExpireFlights(absl::Time now) {
  std::vector<std::string> expired;
  for (const auto& [id, f] : in_flight_) {
    if (f.deadline <= now) expired.push_back(id);
  }
  for (const std::string& id : expired) EndFlight(id);
}

void PushQueue::EndFlight(const std::string& id) {
  in_flight_.erase(id);
  auto b = blocked_.find(id);
  if (b == blocked_.end()) return;
  const Blocked next = b->second;
  blocked_.erase(b);
  auto s = highest_sent_.find(id);
  if (s == highest_sent_.end() || next.version > s->second || (next.version == s->second && next.refresh)) {
    PushBack(id, next.version);
  }
}

std::vector<PushItem> PushQueue::TakeDue(absl::Time now) {
  ExpireFlights(now);
  Refill(now);
  std::vector<PushItem> due;
  while (!order_.empty() && tokens_ >= 1 && static_cast<int64_t>(in_flight_.size()) < pacing_.max_in_flight) {
    std::string id = std::move(order_.front());
    order_.pop_front();
    auto q = queued_.find(id);
    const int64_t version = q->second.version;
    queued_.erase(q);
    tokens_ -= 1;
    in_flight_[id] = Flight{version, now + pacing_.answer_timeout};
    int64_t& sent = highest_sent_[id];
    sent = std::max(sent, version);
    due.push_back(PushItem{std::move(id), version});
  }
  return due;
}

void PushQueue::Sent(std::string_view device, int64_t version) {
  const std::string id(device);
  auto f = in_flight_.find(id);
  if (f != in_flight_.end()) f->second.version = std::max(f->second.version, version);
  int64_t& sent = highest_sent_[id];
  sent = std::max(sent, version);
  // A refresh of the version just sent stays: the send may have read the state before it.
  if (auto b = blocked_.find(id);
      b != blocked_.end() && (b->second.version < sent || (b->second.version == sent && !b->second.refresh))) {
    blocked_.erase(b);
  }
}

void PushQueue::Answered(std::string_view device, int64_t version) {
  const std::string id(device);
  auto f = in_flight_.find(id);
  if (f == in_flight_.end() || version < f->second.version) return;
  EndFlight(id);
}

void PushQueue::SendFailed(std::string_view device, int64_t version) {
  const std::string id(device);
  auto f = in_flight_.find(id);
  if (f == in_flight_.end()) return;
  in_flight_.erase(f);
  // Not sent after all: allow this version again.
  if (auto s = highest_sent_.find(id); s != highest_sent_.end() && s->second == version) {
    s->second = version - 1;
  }
  int64_t v = version;
  if (auto b = blocked_.find(id); b != blocked_.end()) {
    v = std::max(v, b->second.version);
    blocked_.erase(b);
  }
  Enqueue(id, v, /*refresh=*/true);
}

}  // namespace fleet::devcfg
