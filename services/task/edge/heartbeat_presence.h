#pragma once

#include <atomic>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/kafka/consumer.h"
#include "services/task/domain/ports.h"

namespace fleet::task::testing {

// For integration tests: a PresenceSource fed by the heartbeats on the uplink topic (a stand-in
// for device-online). A device is online when a heartbeat arrived within `window`; its firmware
// is the one its last heartbeat reported. Thread-safe.
class HeartbeatPresence : public PresenceSource {
 public:
  explicit HeartbeatPresence(absl::Duration window) : window_(window) {}

  absl::StatusOr<std::map<std::string, DevicePresence>> Lookup(
      const std::vector<std::string>& ids) override;

  // Consumes heartbeats from `consumer` until `stop`.
  void Run(kafka::Consumer& consumer, const std::atomic<bool>& stop);

  int Online();
  // Devices whose id starts with `prefix` that last reported `version`.
  int OnVersion(const std::string& prefix, const std::string& version);

 private:
  const absl::Duration window_;
  absl::Mutex mu_;
  std::map<std::string, std::pair<absl::Time, std::string>> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::task::testing
