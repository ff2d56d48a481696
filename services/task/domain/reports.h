#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/task/domain/execution_machine.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

// One thing a device reported that concerns the task service.
struct DeviceReport {
  enum class Kind { kResponse, kProgress, kLog, kVersion };
  Kind kind = Kind::kResponse;
  std::string device_id;
  std::string request_id;  // all but kVersion
  int code = 0;            // kResponse: overall status code
  std::string detail;      // kResponse: description / command output; kLog: the line
  Progress progress;       // kProgress (the attempt is taken from the request id)
  std::string version;     // kVersion: the firmware the device runs (heartbeat)
};

// What ApplyBatch did with a batch, report by report.
struct ReportsOutcome {
  int applied = 0;     // changed an execution or added to its timeline
  int superseded = 0;  // progress folded into the next report of the same step (see ApplyBatch)
  int ignored = 0;     // stale, duplicate, another device's, or not one of our request ids
  int unknown = 0;     // our request id, but no such execution (skipped, not an error)
  int confirmed = 0;   // executions a reported version confirmed (SUCCEEDED)
  int versions = 0;    // version reports (heartbeats) in the batch
};

// Applies what devices report (answers, progress, log lines, the version they run) to their
// executions. Reports are matched by request id ("task-<execution>-<attempt>") and must come
// from the execution's device; reports of older attempts, unknown executions or other devices
// change nothing. Every report is idempotent, so at-least-once delivery is harmless.
// Thread-safe. Errors: the store's (UNAVAILABLE / ABORTED: retry the same batch).
class DeviceReports {
 public:
  DeviceReports(CampaignStore& campaigns, Clock& clock) : campaigns_(campaigns), clock_(clock) {}

  // Applies a batch (e.g. one Kafka poll) in ONE store transaction (CampaignStore::
  // UpdateExecutions), with the same result as applying the reports one by one in order,
  // except that:
  //  - a progress report with no message or version is superseded (not applied, no timeline
  //    entry) when the next report for its execution in the batch is progress of the same
  //    attempt and step with at least its percent (<= 100): the execution ends up identical;
  //  - an answer repeated verbatim within the batch (redelivery) counts once;
  //  - version reports are applied after the other reports (the newest per device wins), to
  //    the INSTALLING / REBOOTING executions of those devices, including those the batch's own
  //    progress just moved there.
  // All or nothing: on error nothing was applied and the batch may be retried as a whole.
  absl::StatusOr<ReportsOutcome> ApplyBatch(const std::vector<DeviceReport>& batch);

  // One report each (a batch of one). Each returns true when the report changed the execution
  // or added to its timeline.
  absl::StatusOr<bool> OnResponse(std::string_view device_id, std::string_view request_id,
                                  int code, std::string_view detail);
  absl::StatusOr<bool> OnProgress(std::string_view device_id, std::string_view request_id,
                                  Progress p);
  absl::StatusOr<bool> OnLog(std::string_view device_id, std::string_view request_id,
                             std::string_view line);
  // (device id, running firmware version) pairs from heartbeats; confirms the executions
  // awaiting exactly that version. Returns how many succeeded.
  absl::StatusOr<int> OnVersions(const std::vector<std::pair<std::string, std::string>>& reported);

 private:
  CampaignStore& campaigns_;
  Clock& clock_;
};

}  // namespace fleet::task
