#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

// In-memory reference implementation of ArtifactStore and CampaignStore: the model the
// PostgreSQL store is checked against (storage/store_contract_test) and the fake for unit tests.
// Thread-safe: one mutex, so every operation is atomic (Dispatch never finds a campaign busy).
class MemoryStore : public ArtifactStore, public CampaignStore {
 public:
  absl::StatusOr<Artifact> CreateArtifact(const Artifact& a) override;
  absl::StatusOr<std::optional<Artifact>> GetArtifact(std::string_view id) override;
  absl::StatusOr<Page<Artifact>> ListArtifacts(const Cursor& after, int limit) override;
  absl::Status DeleteArtifact(std::string_view id) override;

  absl::StatusOr<Campaign> CreateCampaign(const Campaign& c,
                                          const std::vector<TargetDevice>& targets) override;
  absl::StatusOr<std::optional<Campaign>> GetCampaign(std::string_view id) override;
  absl::StatusOr<Page<Campaign>> ListCampaigns(std::optional<CampaignState> state,
                                               const Cursor& after, int limit) override;
  absl::StatusOr<Campaign> UpdateCampaign(std::string_view id, absl::Time now,
                                          const CampaignMutation& fn) override;
  absl::StatusOr<std::vector<Campaign>> StartDue(absl::Time now) override;
  absl::StatusOr<std::vector<Campaign>> ListRunning(int limit) override;
  absl::StatusOr<int> AddTargets(std::string_view campaign_id,
                                 const std::vector<TargetDevice>& targets, absl::Time now) override;
  absl::StatusOr<std::vector<Execution>> Candidates(std::string_view campaign_id, absl::Time now,
                                                    int limit) override;
  absl::StatusOr<std::optional<PlanDecision>> Dispatch(std::string_view campaign_id,
                                                       const std::vector<int64_t>& execution_ids,
                                                       const PlanFn& plan,
                                                       const SendFn& send) override;
  absl::StatusOr<std::optional<Execution>> UpdateExecution(int64_t execution_id,
                                                           const ExecutionMutation& fn) override;
  absl::StatusOr<ExecutionsUpdate> UpdateExecutions(const std::vector<int64_t>& execution_ids,
                                                    const ExecutionMutation& fn) override;
  absl::StatusOr<int> SweepDue(absl::Time now, int limit, const ExecutionMutation& fn) override;
  absl::StatusOr<std::vector<Execution>> AwaitingVersion(
      const std::vector<std::string>& device_ids) override;
  absl::StatusOr<Page<Execution>> ListExecutions(std::string_view campaign_id,
                                                 std::optional<ExecState> state,
                                                 std::string_view after_device, int limit) override;
  absl::StatusOr<Page<BatchProgress>> ListBatches(std::string_view campaign_id, int after_batch,
                                                  int limit) override;
  absl::StatusOr<Page<Execution>> ListDeviceExecutions(std::string_view device_id,
                                                       const Cursor& after, int limit) override;
  absl::StatusOr<Page<Event>> Timeline(std::string_view campaign_id, std::string_view device_id,
                                       int64_t after_seq, int limit) override;

  // Test hook: make every call fail with `status` (OK to heal).
  void FailWith(absl::Status status);

 private:
  Campaign WithCounts(const Campaign& c) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  CampaignStats Stats(const Campaign& c) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Append(std::vector<Event> events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddExecution(const Campaign& c, const TargetDevice& t, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Artifact> artifacts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Campaign> campaigns_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, Execution> executions_ ABSL_GUARDED_BY(mu_);
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  int64_t next_execution_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace fleet::task
