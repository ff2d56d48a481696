#pragma once

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/pg/pool.h"
#include "services/task/domain/ports.h"

namespace fleet::task {

// ArtifactStore and CampaignStore on PostgreSQL (schema: pg_schema.h, apply TaskMigrations
// first). Thread-safe; any number of replicas may share one database:
//  - Dispatch locks the campaign row with FOR UPDATE SKIP LOCKED (one replica plans a campaign
//    at a time; the others skip it this tick) and the executions it claims with FOR UPDATE SKIP
//    LOCKED while still QUEUED, records them as SENT and sends inside that transaction;
//  - UpdateExecution locks the execution row (FOR UPDATE); UpdateExecutions locks its rows in
//    id order in one statement, reads their campaigns in one more and writes everything with
//    two bulk statements; SweepDue locks due rows with SKIP LOCKED, so concurrent sweepers
//    split the work;
//  - StartDue claims due campaigns with SKIP LOCKED, so each starts once.
// Bulk writes go through jsonb_to_recordset in one statement. Campaign specs are immutable and
// cached after the first read. Errors as mapped by pg::Pool (UNAVAILABLE when the database is
// unreachable, ABORTED on a serialization failure or deadlock: retry).
class PgStore : public ArtifactStore, public CampaignStore {
 public:
  // Registers the named statements on `pool`, which must outlive the store.
  explicit PgStore(pg::Pool& pool);

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

 private:
  // Campaign from a row selected with kCampaignColumns (spec decoded once per id).
  absl::StatusOr<Campaign> Decode(const pqxx::row& row);
  // Fills counts of `campaigns` inside `tx`.
  static void FillCounts(pqxx::work& tx, std::vector<Campaign>& campaigns);
  absl::StatusOr<std::vector<Campaign>> Campaigns(pqxx::work& tx, const pqxx::result& rows);

  pg::Pool& pool_;
  absl::Mutex mu_;
  std::map<std::string, CampaignSpec> specs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::task
