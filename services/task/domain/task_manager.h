#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/task/domain/ports.h"
#include "services/task/domain/spec.h"

// Operator-facing use cases: artifacts, campaigns (create, pause, resume, cancel), executions
// and timelines. Thread-safe (state lives in the stores). Errors: the stores' (UNAVAILABLE ...)
// and those in errors.h; INVALID_ARGUMENT / INVALID_FIELD for bad input.
namespace fleet::task {

struct TaskManagerOptions {
  SpecLimits limits;
  // Largest number of devices a label filter may resolve to.
  int max_resolved_targets = 200'000;
};

class TaskManager {
 public:
  // New ids ("a" / "c" + 16 hex digits by default); injectable for tests.
  using IdGenerator = std::function<std::string(char prefix)>;

  TaskManager(ArtifactStore& artifacts, CampaignStore& campaigns, DeviceDirectory& directory,
              Clock& clock, TaskManagerOptions options = {}, IdGenerator ids = nullptr);

  absl::StatusOr<Artifact> CreateArtifact(Artifact a);
  absl::StatusOr<Artifact> GetArtifact(std::string_view id);
  absl::StatusOr<Page<Artifact>> ListArtifacts(const Cursor& after, int limit);
  absl::Status DeleteArtifact(std::string_view id);

  // Normalizes the spec, checks the artifact fits the kind, resolves the targets and stores the
  // campaign (SCHEDULED; the rollout starts it at start_time).
  absl::StatusOr<Campaign> CreateCampaign(std::string display_name, CampaignSpec spec,
                                          std::string operator_id);
  // With counts and ETA.
  absl::StatusOr<Campaign> GetCampaign(std::string_view id);
  absl::StatusOr<Page<Campaign>> ListCampaigns(std::optional<CampaignState> state,
                                               const Cursor& after, int limit);
  absl::StatusOr<Campaign> Pause(std::string_view id, std::string_view operator_id);
  absl::StatusOr<Campaign> Resume(std::string_view id, std::string_view operator_id);
  absl::StatusOr<Campaign> Cancel(std::string_view id, std::string_view operator_id,
                                  std::string_view reason);

  // CampaignNotFound for an unknown campaign.
  absl::StatusOr<Page<Execution>> ListExecutions(std::string_view campaign_id,
                                                 std::optional<ExecState> state,
                                                 std::string_view after_device, int limit);
  // Per-batch progress, batches > after_batch ascending. CampaignNotFound for an unknown campaign.
  absl::StatusOr<Page<BatchProgress>> ListBatches(std::string_view campaign_id, int after_batch,
                                                  int limit);
  absl::StatusOr<Page<Execution>> ListDeviceExecutions(std::string_view device_id,
                                                       const Cursor& after, int limit);
  absl::StatusOr<Page<Event>> Timeline(std::string_view campaign_id, std::string_view device_id,
                                       int64_t after_seq, int limit);

  // ETA as of now (Eta in planner.h).
  std::optional<absl::Time> EtaOf(const Campaign& c) { return Eta(c, clock_.Now()); }

 private:
  ArtifactStore& artifacts_;
  CampaignStore& campaigns_;
  DeviceDirectory& directory_;
  Clock& clock_;
  const TaskManagerOptions options_;
  IdGenerator ids_;
};

}  // namespace fleet::task
