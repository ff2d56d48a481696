#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/sim/dispatcher.h"
#include "libs/kafka/envelope.h"

namespace fleet::sim {

struct FirmwareAgentOptions {
  absl::Duration step_time = absl::Milliseconds(200);  // per progress step
  int download_steps = 4;                              // DOWNLOADING events (25%, 50%, ...)
  absl::Duration reboot_time = absl::Seconds(2);       // silent while rebooting
  double fail_rate = 0;     // share of upgrades that report FAILED (during install)
  double timeout_rate = 0;  // share of upgrades that hang mid-download and never report again
  double command_fail_rate = 0;
  uint64_t seed = 1;
};

// What the simulator must do for the firmware agent.
struct FirmwareAction {
  enum class Kind { kEvent, kReboot };
  Kind kind = Kind::kEvent;
  std::string device_id;
  kafka::Envelope event;         // kEvent: send on the uplink, keyed by device id
  absl::Time silent_until;       // kReboot: no heartbeats until then ...
  std::string firmware_version;  // ... after which the device reports this version
};

// The device watchdog's upgrade and command behaviour for the whole simulated fleet:
//  firmware.upgrade {"kind": FIRMWARE|MCU, "version", "url", "sha256", "size"}
//    -> 202 and a job: firmware.progress events {"request_id", "state", "percent", "message"}
//       DOWNLOADING (download_steps times, rising percent), VERIFYING, INSTALLING, then
//       FIRMWARE: REBOOTING and a reboot (silent for reboot_time, back with the new version in
//       its heartbeats); MCU: SUCCEEDED with "version". One step every step_time. At fail_rate
//       the job reports FAILED ("flash write error") instead of rebooting; at timeout_rate it
//       stops reporting after the first download step. 400 for a malformed body, 409 while
//       another upgrade runs on the device.
//  command.run {"command", "args"} -> 200 {"exit_code": 0, "output": "..."} (500 with exit 1 at
//       command_fail_rate).
// A request whose id the device already handled is not run again (answered 200, "duplicate").
// Thread-safe.
class FirmwareAgent {
 public:
  explicit FirmwareAgent(FirmwareAgentOptions options) : options_(options), rng_(options.seed) {}

  HandlerResult Upgrade(const std::string& device_id, const kafka::Envelope& request, absl::Time now);
  HandlerResult Run(const std::string& device_id, const kafka::Envelope& request, absl::Time now);

  // The events and reboots due at or before `now`, in time order per device.
  std::vector<FirmwareAction> Due(absl::Time now);

  int Running() const;
  int64_t upgrades() const;     // jobs started
  int64_t duplicates() const;   // re-sent requests dropped
  int64_t reboots() const;
  int64_t failures() const;     // jobs that reported FAILED or hung
  int64_t commands() const;

  // Registers firmware.upgrade and command.run with `dispatcher`.
  void RegisterWith(Dispatcher& dispatcher);

 private:
  struct Job {
    std::string request_id;
    std::string version;
    bool mcu = false;
    int step = 0;          // next step to report
    absl::Time next_at;
    enum class Fate { kOk, kFail, kHang } fate = Fate::kOk;
  };
  bool SeenLocked(const std::string& device_id, const std::string& request_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Roll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FirmwareAgentOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);  // by device
  std::map<std::string, std::set<std::string>> seen_ ABSL_GUARDED_BY(mu_);  // request ids by device
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  uint64_t event_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t upgrades_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reboots_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t commands_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fleet::sim
