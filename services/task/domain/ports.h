#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "services/task/domain/model.h"
#include "services/task/domain/planner.h"

// Interfaces the task use cases need. storage/ (PostgreSQL) and the in-memory reference store
// implement the stores; edge/ implements DeviceChannel (Kafka); server/ adapters implement
// PresenceSource (device-online) and DeviceDirectory (device-config). Every method is
// thread-safe, never throws, and returns UNAVAILABLE when its backend cannot be reached.
namespace fleet::task {

// Position after which a list continues (exclusive). Empty id = from the start.
struct Cursor {
  absl::Time time = absl::InfiniteFuture();
  std::string id;
};

template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;  // a further page exists
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  // Stores `a` (id and create_time set by the caller). ArtifactExists when (kind, display_name,
  // version) is taken; ALREADY_EXISTS for a duplicate id.
  virtual absl::StatusOr<Artifact> CreateArtifact(const Artifact& a) = 0;
  virtual absl::StatusOr<std::optional<Artifact>> GetArtifact(std::string_view id) = 0;
  // Newest first (create_time DESC, id DESC), strictly after `after`.
  virtual absl::StatusOr<Page<Artifact>> ListArtifacts(const Cursor& after, int limit) = 0;
  // ArtifactNotFound; ArtifactInUse while a campaign that has not ended refers to it.
  virtual absl::Status DeleteArtifact(std::string_view id) = 0;
};

// A campaign change decided on its current, locked state: an error (nothing is written),
// std::nullopt (no change) or the timeline entry of the change made to `c`. Only state,
// state_reason, paused_by_abort, cursor, abort baselines and end_time may change. Must be quick
// and must not call the store.
using CampaignMutation =
    std::function<absl::StatusOr<std::optional<Event>>(Campaign& c)>;

// An execution change decided on its current, locked state and its campaign: returns the
// timeline entries of the change made to `e` (empty = no change). Must not call the store.
using ExecutionMutation = std::function<std::vector<Event>(Execution& e, const Campaign& c)>;

// What CampaignStore::UpdateExecutions did.
struct ExecutionsUpdate {
  int changed = 0;               // executions `fn` changed (returned timeline entries for)
  std::vector<int64_t> missing;  // requested ids that do not exist, ascending
};

// Campaigns, their executions and the timeline, shared by all replicas.
class CampaignStore {
 public:
  virtual ~CampaignStore() = default;

  // Stores the campaign and one QUEUED execution per target (execution ids assigned by the
  // store, unique across campaigns), plus a "created" timeline entry, atomically.
  virtual absl::StatusOr<Campaign> CreateCampaign(const Campaign& c,
                                                  const std::vector<TargetDevice>& targets) = 0;
  // With counts.
  virtual absl::StatusOr<std::optional<Campaign>> GetCampaign(std::string_view id) = 0;
  // Newest first, optionally one state, strictly after `after`; with counts.
  virtual absl::StatusOr<Page<Campaign>> ListCampaigns(std::optional<CampaignState> state,
                                                       const Cursor& after, int limit) = 0;
  // Read-modify-write under the campaign's row lock (concurrent writers wait). When the change
  // ends the campaign as CANCELED, its QUEUED executions become CANCELED in the same
  // transaction. Returns the campaign after `fn` with counts; CampaignNotFound.
  virtual absl::StatusOr<Campaign> UpdateCampaign(std::string_view id, absl::Time now,
                                                  const CampaignMutation& fn) = 0;
  // SCHEDULED campaigns whose start_time <= now become RUNNING (each exactly once across
  // replicas). Returns them.
  virtual absl::StatusOr<std::vector<Campaign>> StartDue(absl::Time now) = 0;
  // RUNNING campaigns, oldest first, with counts.
  virtual absl::StatusOr<std::vector<Campaign>> ListRunning(int limit) = 0;
  // Adds QUEUED executions for targets the campaign does not have yet; returns how many.
  virtual absl::StatusOr<int> AddTargets(std::string_view campaign_id,
                                         const std::vector<TargetDevice>& targets,
                                         absl::Time now) = 0;

  // QUEUED executions of the campaign with not_before <= now, retries (attempt > 0) first, then
  // by id; a snapshot (no locks).
  virtual absl::StatusOr<std::vector<Execution>> Candidates(std::string_view campaign_id,
                                                            absl::Time now, int limit) = 0;

  // Plans and records one dispatch step atomically (see planner.h):
  //  1. locks the campaign row, skipping it when another replica holds it (returns nullopt);
  //     nothing happens unless it is RUNNING;
  //  2. locks those of `execution_ids` that are still QUEUED (skipping rows others hold);
  //  3. computes CampaignStats and calls `plan` with the campaign, stats and locked executions;
  //  4. writes the decision (campaign, sent / skipped / deferred executions, events) and then
  //     calls `send` with the executions marked SENT, still inside the transaction: it commits
  //     only when `send` returns OK (else nothing is recorded and the error is returned).
  // So a step is recorded as SENT in the same transaction that claims it, and a device never
  // gets two steps: a crash after `send` but before the commit re-sends the same request id.
  using PlanFn = std::function<PlanDecision(const Campaign& c, const CampaignStats& stats,
                                            std::vector<Execution> locked)>;
  using SendFn = std::function<absl::Status(const std::vector<Execution>& sent)>;
  virtual absl::StatusOr<std::optional<PlanDecision>> Dispatch(
      std::string_view campaign_id, const std::vector<int64_t>& execution_ids, const PlanFn& plan,
      const SendFn& send) = 0;

  // Read-modify-write of one execution under its row lock. std::nullopt for an unknown id.
  virtual absl::StatusOr<std::optional<Execution>> UpdateExecution(
      int64_t execution_id, const ExecutionMutation& fn) = 0;
  // Read-modify-write of several executions in ONE transaction (the device-report path applies
  // a whole poll batch with it): locks the existing executions among `execution_ids` in id
  // order (so concurrent callers cannot deadlock; repeated ids count once), reads each of their
  // campaigns once, calls `fn` once per locked execution in id order, then writes the changed
  // executions and all timeline entries (in that order) together. All or nothing: on error
  // nothing is written. Unknown ids are reported in `missing`, not as an error.
  virtual absl::StatusOr<ExecutionsUpdate> UpdateExecutions(
      const std::vector<int64_t>& execution_ids, const ExecutionMutation& fn) = 0;
  // Applies `fn` to up to `limit` in-flight executions whose deadline <= now, earliest first;
  // rows another replica holds are skipped. Returns how many `fn` changed.
  virtual absl::StatusOr<int> SweepDue(absl::Time now, int limit,
                                       const ExecutionMutation& fn) = 0;
  // INSTALLING / REBOOTING executions of these devices (those awaiting a version report).
  virtual absl::StatusOr<std::vector<Execution>> AwaitingVersion(
      const std::vector<std::string>& device_ids) = 0;

  // A campaign's executions by device id, optionally one state, device ids > after.
  virtual absl::StatusOr<Page<Execution>> ListExecutions(std::string_view campaign_id,
                                                         std::optional<ExecState> state,
                                                         std::string_view after_device,
                                                         int limit) = 0;
  // Progress of the campaign's batches with index > after_batch, ascending (one aggregate per
  // batch over the executions first sent in it); empty for an unknown campaign.
  virtual absl::StatusOr<Page<BatchProgress>> ListBatches(std::string_view campaign_id,
                                                          int after_batch, int limit) = 0;
  // A device's executions newest first (create_time DESC, campaign id DESC) after `after`.
  virtual absl::StatusOr<Page<Execution>> ListDeviceExecutions(std::string_view device_id,
                                                               const Cursor& after, int limit) = 0;
  // Timeline entries with seq > after_seq, oldest first; campaign and/or device ("" = any).
  virtual absl::StatusOr<Page<Event>> Timeline(std::string_view campaign_id,
                                               std::string_view device_id, int64_t after_seq,
                                               int limit) = 0;
};

// One request to a device: `firmware.upgrade` (FIRMWARE / MCU) or `command.run` (COMMAND).
struct DeviceRequest {
  std::string request_id;  // RequestId(execution, attempt): the device drops duplicates
  std::string device_id;
  CampaignKind kind = CampaignKind::kFirmware;
  std::string campaign_id;
  // Upgrades.
  std::string url, sha256, version;
  int64_t size_bytes = 0;
  // Commands.
  std::string command_name;
  std::string command_args_json = "{}";
};

// How requests reach devices. Send enqueues and does not wait for the device; answers and
// progress come back through Reports, possibly on another replica.
class DeviceChannel {
 public:
  virtual ~DeviceChannel() = default;
  virtual absl::Status Send(const DeviceRequest& request) = 0;
  // Waits until every request sent so far has left this process. Rollout calls it before a
  // dispatch commits, so a committed step was really sent (and one not committed may be re-sent
  // with the same request id). DEADLINE_EXCEEDED / UNAVAILABLE when that cannot be confirmed.
  virtual absl::Status Flush() = 0;
};

// device-online: which devices are online and what firmware they report.
class PresenceSource {
 public:
  virtual ~PresenceSource() = default;
  // Devices device-online does not know are absent from the map (= offline).
  virtual absl::StatusOr<std::map<std::string, DevicePresence>> Lookup(
      const std::vector<std::string>& device_ids) = 0;
};

// device-config: which devices a campaign targets.
class DeviceDirectory {
 public:
  virtual ~DeviceDirectory() = default;
  // Explicit ids (unknown ones are returned with an empty model) or every device matching the
  // label filter, by id. INVALID_ARGUMENT for a bad filter.
  virtual absl::StatusOr<std::vector<TargetDevice>> Resolve(const Targets& targets) = 0;
};

using ::fleet::Clock;
using ::fleet::RealClock;

}  // namespace fleet::task
