#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/task/domain/model.h"
#include "services/task/domain/window.h"

// The rollout planner: given the locked state of one RUNNING campaign and some of its QUEUED
// executions, decides which devices start now, which are skipped, whether the batch advances,
// and whether the campaign completes or pauses itself (abort criteria). Pure and thread-safe.
//
// Batches: batch k may start BatchSize(spec, k) devices (first sends; retries do not count).
// Batch k+1 opens once batch k is full, none of its devices is in flight any more, and
// batch_interval has passed since batch k's first send. Devices are only started inside the
// maintenance window, while fewer than max_in_flight are in flight, and when online; offline
// devices are deferred by `offline_recheck` so that others get their turn.
namespace fleet::task {

// What device-online knows about a device.
struct DevicePresence {
  bool online = false;
  std::string firmware_version;  // from the last heartbeat, "" when unknown
};

// Figures of the locked campaign the store computes for the planner.
struct CampaignStats {
  ExecutionCounts counts;              // whole campaign
  int64_t batch_in_flight = 0;         // devices of cursor.batch in flight
  int64_t batch_finished = 0;          // devices of cursor.batch SUCCEEDED/FAILED/TIMED_OUT
  int64_t batch_failures = 0;          // devices of cursor.batch FAILED/TIMED_OUT
};

struct PlanInput {
  const Campaign* campaign = nullptr;  // spec, state, cursor
  CampaignStats stats;
  // QUEUED executions whose not_before has passed, locked by the caller; retries first.
  std::vector<Execution> candidates;
  std::map<std::string, DevicePresence> presence;  // by device id; missing = offline
  const DailyWindow* window = nullptr;             // null = always open
  absl::Time now;
  absl::Duration offline_recheck = absl::Seconds(15);
};

struct PlanDecision {
  // Campaign changes (applied only if `campaign_changed`).
  bool campaign_changed = false;
  CampaignState state = CampaignState::kRunning;
  std::string state_reason;
  bool paused_by_abort = false;
  BatchCursor cursor;
  std::optional<absl::Time> end_time;
  // Executions changed (sent, skipped) or deferred (only not_before changed).
  std::vector<Execution> sent;
  std::vector<Execution> skipped;
  std::vector<Execution> deferred;
  std::vector<Event> events;  // campaign and execution entries, in order
};

PlanDecision Plan(const PlanInput& in);

// Why the abort criteria pause the campaign now, or std::nullopt. Only finished devices count;
// the overall criterion counts from the baselines set on the last resume.
std::optional<std::string> AbortReason(const Campaign& c, const CampaignStats& stats);

// Estimated completion of a RUNNING campaign from its throughput so far and the batches still
// to come; std::nullopt when unknown (nothing finished yet or not running).
std::optional<absl::Time> Eta(const Campaign& c, absl::Time now);

}  // namespace fleet::task
