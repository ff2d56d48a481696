#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fleet::sim {

struct FleetOptions {
  int devices = 1000;
  std::string id_prefix = "dev-";
  absl::Duration heartbeat_interval = absl::Seconds(30);
  double jitter = 0.1;                // each interval is scaled by a factor in [1-jitter, 1+jitter]
  double churn_per_minute = 0.0;      // fraction of the fleet that goes silent per minute
  absl::Duration silence = absl::Minutes(2);  // how long a churned device stays silent
  std::string firmware = "1.0.0";
  uint64_t seed = 1;
};

// One heartbeat to send.
struct Heartbeat {
  int device = 0;
  std::string device_id;
  absl::Time at;
  double cpu = 0, mem = 0, temperature = 0;
  int signal = 0;
  const std::string* firmware = nullptr;
};

// A simulated fleet: when each device sends its next heartbeat, which devices are silent, and
// their board parameters (a bounded random walk). Pure logic driven by the caller's clock, so
// it is testable and handles 100,000+ devices in one process. Not thread-safe.
class Fleet {
 public:
  Fleet(FleetOptions options, absl::Time start);

  // Heartbeats due at or before `now`, in time order; reschedules each device.
  // Silent devices are rescheduled without sending. Also applies churn.
  std::vector<Heartbeat> Due(absl::Time now);

  // Silences a device until `until` (InfiniteFuture = until Resume). false for an unknown id.
  bool Silence(const std::string& device_id, absl::Time until);
  bool Resume(const std::string& device_id, absl::Time now);
  int Index(const std::string& device_id) const;  // -1 when unknown
  std::string DeviceId(int index) const;
  bool IsSilent(int index, absl::Time now) const;
  int SilentCount(absl::Time now) const;
  int size() const { return static_cast<int>(devices_.size()); }
  void SetFirmware(int index, std::string version);

 private:
  struct Device {
    absl::Time next_at;  // schedule entries at any other time are stale
    absl::Time silent_until = absl::InfinitePast();
    double cpu, mem, temperature;
    int signal;
    std::string firmware;
  };
  absl::Duration NextInterval();
  void Churn(absl::Time now);
  static double Walk(double v, double step, double lo, double hi, std::mt19937_64& rng);

  const FleetOptions options_;
  std::vector<Device> devices_;
  using Entry = std::pair<absl::Time, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> schedule_;
  std::mt19937_64 rng_;
  absl::Time last_churn_;
  double churn_carry_ = 0;
};

}  // namespace fleet::sim
