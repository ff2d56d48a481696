#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

// Entities of the task service. Plain values; behaviour lives in spec.h, window.h,
// execution_machine.h and planner.h.
namespace fleet::task {

enum class ArtifactKind { kFirmware, kMcu };
enum class CampaignKind { kFirmware, kMcu, kCommand };
enum class CampaignState { kScheduled, kRunning, kPaused, kCompleted, kCanceled };
// QUEUED -> SENT -> DOWNLOADING -> VERIFYING -> INSTALLING -> REBOOTING -> SUCCEEDED, or one of
// the other final states (see execution_machine.h).
enum class ExecState {
  kQueued,
  kSent,
  kDownloading,
  kVerifying,
  kInstalling,
  kRebooting,
  kSucceeded,
  kFailed,
  kTimedOut,
  kCanceled,
  kSkipped,
};

// Upper-case names as in the proto and the database ("FIRMWARE", "RUNNING", "DOWNLOADING", ...).
std::string_view Name(ArtifactKind k);
std::string_view Name(CampaignKind k);
std::string_view Name(CampaignState s);
std::string_view Name(ExecState s);
std::optional<ArtifactKind> ParseArtifactKind(std::string_view s);
std::optional<CampaignKind> ParseCampaignKind(std::string_view s);
std::optional<CampaignState> ParseCampaignState(std::string_view s);
std::optional<ExecState> ParseExecState(std::string_view s);

// SENT through REBOOTING: a request is out and the device is working on it.
bool IsInFlight(ExecState s);
// SUCCEEDED, FAILED, TIMED_OUT, CANCELED, SKIPPED.
bool IsFinal(ExecState s);
// FAILED or TIMED_OUT (what abort criteria count).
bool IsFailure(ExecState s);
// COMPLETED or CANCELED.
bool IsFinal(CampaignState s);

struct Artifact {
  std::string id;
  std::string display_name;
  ArtifactKind kind = ArtifactKind::kFirmware;
  std::string version;
  std::string url;
  std::string sha256;
  int64_t size_bytes = 0;
  std::vector<std::string> models;  // empty = any model
  absl::Time create_time;
  friend bool operator==(const Artifact&, const Artifact&) = default;
};

struct Window {
  int start_minute = 0;  // local wall clock, minutes after midnight
  int end_minute = 0;
  std::string time_zone;  // IANA
  friend bool operator==(const Window&, const Window&) = default;
};

struct Targets {
  std::vector<std::string> device_ids;
  std::string label_filter;
  bool include_new = false;
  friend bool operator==(const Targets&, const Targets&) = default;
};

struct AbortThreshold {
  int min_finished = 0;  // 0 = off
  double max_failure_percent = 0;
  friend bool operator==(const AbortThreshold&, const AbortThreshold&) = default;
};

// Everything an operator chooses when creating a campaign. Validated and defaulted by
// NormalizeSpec (spec.h); immutable afterwards.
struct CampaignSpec {
  CampaignKind kind = CampaignKind::kFirmware;
  std::string artifact_id;   // FIRMWARE / MCU
  std::string command_name;  // COMMAND
  std::string command_args_json = "{}";
  Targets targets;
  std::optional<absl::Time> start_time;  // unset = at creation
  std::optional<Window> window;
  int batch_size = 0;
  double ramp_factor = 1;
  int max_batch_size = 0;  // 0 = no cap
  absl::Duration batch_interval = absl::ZeroDuration();
  int max_in_flight = 0;  // 0 = batch size (after NormalizeSpec: > 0)
  absl::Duration ack_timeout = absl::ZeroDuration();
  absl::Duration download_timeout = absl::ZeroDuration();
  absl::Duration install_timeout = absl::ZeroDuration();
  absl::Duration reboot_timeout = absl::ZeroDuration();
  int max_attempts = 0;
  absl::Duration initial_backoff = absl::ZeroDuration();
  absl::Duration max_backoff = absl::ZeroDuration();
  AbortThreshold abort_per_batch;
  AbortThreshold abort_overall;
  friend bool operator==(const CampaignSpec&, const CampaignSpec&) = default;
};

struct ExecutionCounts {
  int64_t queued = 0, in_flight = 0, succeeded = 0, failed = 0, timed_out = 0, canceled = 0,
          skipped = 0;
  int64_t total() const {
    return queued + in_flight + succeeded + failed + timed_out + canceled + skipped;
  }
  int64_t finished() const { return succeeded + failed + timed_out; }
  int64_t failures() const { return failed + timed_out; }
  void Add(ExecState s, int64_t n = 1);
  friend bool operator==(const ExecutionCounts&, const ExecutionCounts&) = default;
};

// Rollout progress of a campaign, advanced by the planner under the campaign's lock.
struct BatchCursor {
  int batch = 0;          // index of the batch being filled
  int sent = 0;           // first sends made in it
  absl::Time started_at = absl::InfinitePast();  // when its first device was sent
  friend bool operator==(const BatchCursor&, const BatchCursor&) = default;
};

struct Campaign {
  std::string id;
  std::string display_name;
  std::string created_by;
  CampaignSpec spec;
  // Copied from the artifact at creation (empty for COMMAND).
  std::string target_version;
  std::vector<std::string> target_models;  // empty = any model
  CampaignState state = CampaignState::kScheduled;
  std::string state_reason;
  bool paused_by_abort = false;
  BatchCursor cursor;
  // Overall abort criteria count only finishes after these baselines (set on resume).
  int64_t abort_base_finished = 0;
  int64_t abort_base_failures = 0;
  absl::Time create_time;
  absl::Time start_time;  // spec.start_time or create_time
  std::optional<absl::Time> end_time;
  ExecutionCounts counts;  // filled by reads, not stored
  friend bool operator==(const Campaign&, const Campaign&) = default;
};

struct Execution {
  int64_t id = 0;  // unique across campaigns; request ids derive from it
  std::string campaign_id;
  std::string device_id;
  std::string model;  // from device-config, "" when unknown
  ExecState state = ExecState::kQueued;
  int percent = 0;
  int attempt = 0;  // sends so far
  int batch = -1;
  std::string reason;
  std::string target_version;
  std::string request_id;  // of the current attempt, "" before the first send
  absl::Time state_time;
  absl::Time create_time;
  // When the current in-flight step times out (InfiniteFuture when none).
  absl::Time deadline = absl::InfiniteFuture();
  // A QUEUED execution is not sent before this (retry back-off).
  absl::Time not_before = absl::InfinitePast();
  // First send (when it joined `batch`); InfiniteFuture before it.
  absl::Time sent_time = absl::InfiniteFuture();
  friend bool operator==(const Execution&, const Execution&) = default;
};

// Progress of one batch: the executions first sent in it (never-sent ones belong to no batch).
struct BatchProgress {
  int batch = 0;
  ExecutionCounts counts;  // counts.total() = devices in the batch
  absl::Time started;      // first send in the batch
  absl::Time updated;      // latest state change of its executions
  friend bool operator==(const BatchProgress&, const BatchProgress&) = default;
};

// One timeline entry. `seq` is assigned by the store, increasing.
struct Event {
  enum class Kind { kState, kLog, kCampaign };
  int64_t seq = 0;
  absl::Time at;
  std::string campaign_id;
  std::string device_id;  // "" for campaign events
  int attempt = 0;
  Kind kind = Kind::kState;
  ExecState state = ExecState::kQueued;
  int percent = 0;
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

// A device to target, as resolved by the DeviceDirectory.
struct TargetDevice {
  std::string device_id;
  std::string model;
  friend bool operator==(const TargetDevice&, const TargetDevice&) = default;
};

}  // namespace fleet::task
