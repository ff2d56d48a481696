#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bff/call_context.h"
#include "fleet/task/v1/task.grpc.pb.h"

namespace fleet::bff {

// What the BFF needs from the task service (fleet.task.v1.TaskService), requests passed through
// as the service defines them. Thread-safe. Errors carry the service's reasons (TASK_*).
class TaskBackend {
 public:
  virtual ~TaskBackend() = default;
  using Ctx = const CallContext&;
  virtual absl::StatusOr<task::v1::Artifact> CreateArtifact(const task::v1::CreateArtifactRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::Artifact> GetArtifact(const task::v1::GetArtifactRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::ListArtifactsResponse> ListArtifacts(const task::v1::ListArtifactsRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::DeleteArtifactResponse> DeleteArtifact(const task::v1::DeleteArtifactRequest&,
                                                                          Ctx) = 0;
  virtual absl::StatusOr<task::v1::Campaign> CreateCampaign(const task::v1::CreateCampaignRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::Campaign> GetCampaign(const task::v1::GetCampaignRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::ListCampaignsResponse> ListCampaigns(const task::v1::ListCampaignsRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::Campaign> PauseCampaign(const task::v1::PauseCampaignRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::Campaign> ResumeCampaign(const task::v1::ResumeCampaignRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::Campaign> CancelCampaign(const task::v1::CancelCampaignRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::ListExecutionsResponse> ListExecutions(const task::v1::ListExecutionsRequest&,
                                                                          Ctx) = 0;
  virtual absl::StatusOr<task::v1::ListCampaignBatchesResponse> ListCampaignBatches(
      const task::v1::ListCampaignBatchesRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::ListExecutionsResponse> ListDeviceExecutions(
      const task::v1::ListDeviceExecutionsRequest&, Ctx) = 0;
  virtual absl::StatusOr<task::v1::GetTimelineResponse> GetTimeline(const task::v1::GetTimelineRequest&, Ctx) = 0;
};

// The task service over gRPC (target like "127.0.0.1:7004").
std::unique_ptr<TaskBackend> NewGrpcTaskBackend(const std::string& target);
// Every call: UNAVAILABLE / BACKEND_UNAVAILABLE "task is not configured".
std::unique_ptr<TaskBackend> NewUnconfiguredTaskBackend();

}  // namespace fleet::bff
