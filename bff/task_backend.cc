#include "bff/task_backend.h"

#include "bff/grpc_call.h"
#include "libs/grpcx/server.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

using Stub = task::v1::TaskService::Stub;
namespace t = task::v1;

class GrpcTaskBackend : public TaskBackend {
 public:
  explicit GrpcTaskBackend(std::shared_ptr<grpc::Channel> channel) : stub_(t::TaskService::NewStub(channel)) {}
  absl::StatusOr<t::Artifact> CreateArtifact(const t::CreateArtifactRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::CreateArtifact, r, c);
  }
  absl::StatusOr<t::Artifact> GetArtifact(const t::GetArtifactRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::GetArtifact, r, c);
  }
  absl::StatusOr<t::ListArtifactsResponse> ListArtifacts(const t::ListArtifactsRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::ListArtifacts, r, c);
  }
  absl::StatusOr<t::DeleteArtifactResponse> DeleteArtifact(const t::DeleteArtifactRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::DeleteArtifact, r, c);
  }
  absl::StatusOr<t::Campaign> CreateCampaign(const t::CreateCampaignRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::CreateCampaign, r, c);
  }
  absl::StatusOr<t::Campaign> GetCampaign(const t::GetCampaignRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::GetCampaign, r, c);
  }
  absl::StatusOr<t::ListCampaignsResponse> ListCampaigns(const t::ListCampaignsRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::ListCampaigns, r, c);
  }
  absl::StatusOr<t::Campaign> PauseCampaign(const t::PauseCampaignRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::PauseCampaign, r, c);
  }
  absl::StatusOr<t::Campaign> ResumeCampaign(const t::ResumeCampaignRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::ResumeCampaign, r, c);
  }
  absl::StatusOr<t::Campaign> CancelCampaign(const t::CancelCampaignRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::CancelCampaign, r, c);
  }
  absl::StatusOr<t::ListExecutionsResponse> ListExecutions(const t::ListExecutionsRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::ListExecutions, r, c);
  }
  absl::StatusOr<t::ListCampaignBatchesResponse> ListCampaignBatches(const t::ListCampaignBatchesRequest& r,
                                                                     Ctx c) override {
    return UnaryCall(*stub_, &Stub::ListCampaignBatches, r, c);
  }
  absl::StatusOr<t::ListExecutionsResponse> ListDeviceExecutions(const t::ListDeviceExecutionsRequest& r,
                                                                 Ctx c) override {
    return UnaryCall(*stub_, &Stub::ListDeviceExecutions, r, c);
  }
  absl::StatusOr<t::GetTimelineResponse> GetTimeline(const t::GetTimelineRequest& r, Ctx c) override {
    return UnaryCall(*stub_, &Stub::GetTimeline, r, c);
  }

 private:
  std::unique_ptr<Stub> stub_;
};

absl::Status NotConfigured() { return bff::NotConfigured("task"); }

class UnconfiguredTaskBackend : public TaskBackend {
 public:
  absl::StatusOr<t::Artifact> CreateArtifact(const t::CreateArtifactRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::Artifact> GetArtifact(const t::GetArtifactRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::ListArtifactsResponse> ListArtifacts(const t::ListArtifactsRequest&, Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::DeleteArtifactResponse> DeleteArtifact(const t::DeleteArtifactRequest&, Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::Campaign> CreateCampaign(const t::CreateCampaignRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::Campaign> GetCampaign(const t::GetCampaignRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::ListCampaignsResponse> ListCampaigns(const t::ListCampaignsRequest&, Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::Campaign> PauseCampaign(const t::PauseCampaignRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::Campaign> ResumeCampaign(const t::ResumeCampaignRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::Campaign> CancelCampaign(const t::CancelCampaignRequest&, Ctx) override { return NotConfigured(); }
  absl::StatusOr<t::ListExecutionsResponse> ListExecutions(const t::ListExecutionsRequest&, Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::ListCampaignBatchesResponse> ListCampaignBatches(const t::ListCampaignBatchesRequest&,
                                                                     Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::ListExecutionsResponse> ListDeviceExecutions(const t::ListDeviceExecutionsRequest&, Ctx) override {
    return NotConfigured();
  }
  absl::StatusOr<t::GetTimelineResponse> GetTimeline(const t::GetTimelineRequest&, Ctx) override {
    return NotConfigured();
  }
};

}  // namespace

std::unique_ptr<TaskBackend> NewGrpcTaskBackend(const std::string& target) {
  return std::make_unique<GrpcTaskBackend>(grpcx::Dial(target));
}
std::unique_ptr<TaskBackend> NewUnconfiguredTaskBackend() { return std::make_unique<UnconfiguredTaskBackend>(); }

}  // namespace fleet::bff
