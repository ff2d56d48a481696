#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

// Applies what devices report (answers, progress, log lines, the version they run) to their
// executions. Reports are matched by request id ("task-<execution>-<attempt>") and must come
// from the execution's device; reports of older attempts, unknown executions or other devices
// change nothing. Every report is idempotent, so at-least-once delivery is harmless.
// Thread-safe. Errors: the store's (UNAVAILABLE: retry).
class DeviceReports {
 public:
  DeviceReports(CampaignStore& campaigns, Clock& clock) : campaigns_(campaigns), clock_(clock) {}

  // Each returns true when the report changed the execution or added to its timeline.
  absl::StatusOr<bool> OnResponse(std::string_view device_id, std::string_view request_id,
                                  int code, std::string_view detail);
  // `p.attempt` is taken from the request id.
  absl::StatusOr<bool> OnProgress(std::string_view device_id, std::string_view request_id,
                                  Progress p);
  absl::StatusOr<bool> OnLog(std::string_view device_id, std::string_view request_id,
                             std::string_view line);
  // (device id, running firmware version) pairs from heartbeats; confirms the executions
  // awaiting exactly that version. Returns how many succeeded.
  absl::StatusOr<int> OnVersions(const std::vector<std::pair<std::string, std::string>>& reported);

 private:
  absl::StatusOr<bool> Apply(std::string_view device_id, std::string_view request_id,
                             const std::function<std::vector<Event>(Execution&, const Campaign&,
                                                                    int attempt)>& fn);

  CampaignStore& campaigns_;
  Clock& clock_;
};

}  // namespace fleet::task
