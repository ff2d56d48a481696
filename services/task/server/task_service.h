#pragma once

#include "fleet/task/v1/task.grpc.pb.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {

// fleet.task.v1.TaskService: thin handlers, proto <-> domain, each calls one TaskManager use
// case; errors go out through status::ToGrpc. Thread-safe.
class TaskServiceImpl final : public v1::TaskService::Service {
 public:
  explicit TaskServiceImpl(TaskManager& tasks) : tasks_(tasks) {}

  grpc::Status CreateArtifact(grpc::ServerContext*, const v1::CreateArtifactRequest*, v1::Artifact*) override;
  grpc::Status GetArtifact(grpc::ServerContext*, const v1::GetArtifactRequest*, v1::Artifact*) override;
  grpc::Status ListArtifacts(grpc::ServerContext*, const v1::ListArtifactsRequest*,
                             v1::ListArtifactsResponse*) override;
  grpc::Status DeleteArtifact(grpc::ServerContext*, const v1::DeleteArtifactRequest*,
                              v1::DeleteArtifactResponse*) override;
  grpc::Status CreateCampaign(grpc::ServerContext*, const v1::CreateCampaignRequest*, v1::Campaign*) override;
  grpc::Status GetCampaign(grpc::ServerContext*, const v1::GetCampaignRequest*, v1::Campaign*) override;
  grpc::Status ListCampaigns(grpc::ServerContext*, const v1::ListCampaignsRequest*,
                             v1::ListCampaignsResponse*) override;
  grpc::Status PauseCampaign(grpc::ServerContext*, const v1::PauseCampaignRequest*, v1::Campaign*) override;
  grpc::Status ResumeCampaign(grpc::ServerContext*, const v1::ResumeCampaignRequest*, v1::Campaign*) override;
  grpc::Status CancelCampaign(grpc::ServerContext*, const v1::CancelCampaignRequest*, v1::Campaign*) override;
  grpc::Status ListExecutions(grpc::ServerContext*, const v1::ListExecutionsRequest*,
                              v1::ListExecutionsResponse*) override;
  grpc::Status ListCampaignBatches(grpc::ServerContext*, const v1::ListCampaignBatchesRequest*,
                                   v1::ListCampaignBatchesResponse*) override;
  grpc::Status ListDeviceExecutions(grpc::ServerContext*, const v1::ListDeviceExecutionsRequest*,
                                    v1::ListExecutionsResponse*) override;
  grpc::Status GetTimeline(grpc::ServerContext*, const v1::GetTimelineRequest*,
                           v1::GetTimelineResponse*) override;

 private:
  grpc::Status Reply(const absl::StatusOr<Campaign>& c, v1::Campaign* out);

  TaskManager& tasks_;
};

}  // namespace fleet::task
