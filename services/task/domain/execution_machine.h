#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "services/task/domain/model.h"

// The per-device execution state machine:
//
//   QUEUED -> SENT -> DOWNLOADING -> VERIFYING -> INSTALLING -> REBOOTING -> SUCCEEDED
//      |        \__________________________________________________/
//      |                 | failure / step timeout
//      |                 v
//      |        FAILED / TIMED_OUT  (final, or back to QUEUED after a back-off while attempts
//      |                             remain and the campaign has not been canceled)
//      +--> SKIPPED (incompatible model, already on the version) / CANCELED
//
// Progress may skip states (lost events) but never goes back; reports of an older attempt are
// ignored. A FIRMWARE execution succeeds only when the device reports the target version after
// installing (heartbeat board parameters), never on the device's word alone; an MCU execution
// when a progress report carries the target version; a COMMAND execution on a 2xx answer.
// Every function mutates `e` and returns the timeline entries for the change (empty = nothing
// changed). Pure and thread-safe.
namespace fleet::task {

// "task-<execution id>-<attempt>": the id of the request of one attempt. A re-sent request has
// the same id, so the device can drop the duplicate.
std::string RequestId(int64_t execution_id, int attempt);
// Inverse of RequestId; std::nullopt for ids that are not ours.
struct RequestRef {
  int64_t execution_id = 0;
  int attempt = 0;
};
std::optional<RequestRef> ParseRequestId(std::string_view id);

// What an execution's rules depend on beyond the execution itself.
struct ExecContext {
  CampaignKind kind = CampaignKind::kFirmware;
  const CampaignSpec* spec = nullptr;
  // False once the campaign is canceled: failures are then final.
  bool retries_allowed = true;
};

// QUEUED -> SENT for the next attempt: attempt + 1, request id, batch (kept from the first
// send when retrying), step deadline now + ack timeout.
std::vector<Event> MarkSent(Execution& e, const ExecContext& c, int batch, absl::Time now);
// QUEUED -> SKIPPED / CANCELED with `reason`. Nothing for other states.
std::vector<Event> MarkSkipped(Execution& e, std::string_view reason, absl::Time now);
std::vector<Event> MarkCanceled(Execution& e, std::string_view reason, absl::Time now);

// The device's response to the request of `attempt`: `code` is overall_status_code, `detail` the
// description (or the captured output of a command). Non-2xx fails the attempt. A 2xx finishes a
// COMMAND execution; for upgrades it is logged only (progress events drive the state).
std::vector<Event> OnResponse(Execution& e, const ExecContext& c, int attempt, int code,
                              std::string_view detail, absl::Time now);

// A `firmware.progress` report. `state` is the device's word: DOWNLOADING (with percent),
// VERIFYING, INSTALLING, REBOOTING, FAILED (message = why) or SUCCEEDED (for MCU with
// `version`; for FIRMWARE it only means "installed, rebooting"). `message` becomes a log line.
struct Progress {
  int attempt = 0;
  ExecState state = ExecState::kDownloading;
  int percent = -1;  // -1 = not reported
  std::string message;
  std::string version;
};
std::vector<Event> OnProgress(Execution& e, const ExecContext& c, const Progress& p,
                              absl::Time now);

// A log line the device sent for the attempt (appended; no state change).
std::vector<Event> OnLog(Execution& e, int attempt, std::string_view line, absl::Time now);

// The device reports it runs `version` (heartbeat board parameters): SUCCEEDED when the
// execution is INSTALLING or REBOOTING towards that version.
std::vector<Event> OnVersionReported(Execution& e, std::string_view version, absl::Time now);

// The step deadline passed: TIMED_OUT (or back to QUEUED for a retry). Nothing when the
// execution is not in flight or its deadline is after `now`.
std::vector<Event> OnDeadline(Execution& e, const ExecContext& c, absl::Time now);

}  // namespace fleet::task
