#include "edge/sim/fleet.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"

namespace fleet::sim {

Fleet::Fleet(FleetOptions options, absl::Time start)
    : options_(std::move(options)), rng_(options_.seed), last_churn_(start) {
  devices_.resize(options_.devices);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < options_.devices; ++i) {
    Device& d = devices_[i];
    d.cpu = 5 + 30 * u(rng_);
    d.mem = 20 + 40 * u(rng_);
    d.temperature = 35 + 15 * u(rng_);
    d.signal = -60 - static_cast<int>(30 * u(rng_));
    d.firmware = options_.firmware;
    // Spread first heartbeats over one interval so the fleet does not send in lockstep.
    d.next_at = start + options_.heartbeat_interval * u(rng_);
    schedule_.push({d.next_at, i});
  }
}

std::string Fleet::DeviceId(int index) const {
  char buf[32];
  snprintf(buf, sizeof(buf), "%06d", index);
  return options_.id_prefix + buf;
}

int Fleet::Index(const std::string& device_id) const {
  if (device_id.compare(0, options_.id_prefix.size(), options_.id_prefix) != 0) return -1;
  int index;
  const std::string digits = device_id.substr(options_.id_prefix.size());
  if (digits.size() != 6 || !absl::SimpleAtoi(digits, &index)) return -1;
  return index >= 0 && index < size() ? index : -1;
}

absl::Duration Fleet::NextInterval() {
  std::uniform_real_distribution<double> f(1 - options_.jitter, 1 + options_.jitter);
  return options_.heartbeat_interval * f(rng_);
}

double Fleet::Walk(double v, double step, double lo, double hi, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-step, step);
  return std::clamp(v + d(rng), lo, hi);
}

void Fleet::Churn(absl::Time now) {
  if (options_.churn_per_minute <= 0) return;
  const double minutes = absl::ToDoubleMinutes(now - last_churn_);
  last_churn_ = now;
  churn_carry_ += minutes * options_.churn_per_minute * size();
  std::uniform_int_distribution<int> pick(0, size() - 1);
  while (churn_carry_ >= 1) {
    churn_carry_ -= 1;
    Device& d = devices_[pick(rng_)];
    if (d.silent_until <= now) d.silent_until = now + options_.silence;
  }
}

std::vector<Heartbeat> Fleet::Due(absl::Time now) {
  Churn(now);
  std::vector<Heartbeat> out;
  while (!schedule_.empty() && schedule_.top().first <= now) {
    auto [at, i] = schedule_.top();
    schedule_.pop();
    Device& d = devices_[i];
    if (at != d.next_at) continue;  // superseded by Resume()
    d.next_at = at + NextInterval();
    schedule_.push({d.next_at, i});
    if (d.silent_until > at) continue;
    d.cpu = Walk(d.cpu, 3, 0, 100, rng_);
    d.mem = Walk(d.mem, 1, 0, 100, rng_);
    d.temperature = Walk(d.temperature, 0.5, -20, 95, rng_);
    d.signal = static_cast<int>(Walk(d.signal, 2, -120, -40, rng_));
    out.push_back(Heartbeat{i, DeviceId(i), at, d.cpu, d.mem, d.temperature, d.signal, &d.firmware});
  }
  return out;
}

bool Fleet::Silence(const std::string& device_id, absl::Time until) {
  const int i = Index(device_id);
  if (i < 0) return false;
  devices_[i].silent_until = until;
  return true;
}

bool Fleet::Resume(const std::string& device_id, absl::Time now) {
  const int i = Index(device_id);
  if (i < 0) return false;
  devices_[i].silent_until = absl::InfinitePast();
  // Speak right away rather than at the next scheduled slot.
  devices_[i].next_at = now;
  schedule_.push({now, i});
  return true;
}

bool Fleet::IsSilent(int index, absl::Time now) const { return devices_[index].silent_until > now; }

int Fleet::SilentCount(absl::Time now) const {
  return static_cast<int>(std::count_if(devices_.begin(), devices_.end(),
                                        [now](const Device& d) { return d.silent_until > now; }));
}

void Fleet::SetFirmware(int index, std::string version) { devices_[index].firmware = std::move(version); }

}  // namespace fleet::sim
