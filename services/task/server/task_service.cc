#include "services/task/server/task_service.h"

#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/task/server/convert.h"

namespace fleet::task {
namespace {

using status::ToGrpc;

#define TASK_TRY(lhs, expr)                         \
  auto lhs##_or = (expr);                           \
  if (!lhs##_or.ok()) return ToGrpc(lhs##_or.status()); \
  auto& lhs = *lhs##_or

}  // namespace

grpc::Status TaskServiceImpl::Reply(const absl::StatusOr<Campaign>& c, v1::Campaign* out) {
  if (!c.ok()) return ToGrpc(c.status());
  ToProto(*c, tasks_.EtaOf(*c), out);
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::CreateArtifact(grpc::ServerContext*, const v1::CreateArtifactRequest* req,
                                             v1::Artifact* resp) {
  TASK_TRY(in, FromProto(req->artifact()));
  TASK_TRY(a, tasks_.CreateArtifact(in));
  ToProto(a, resp);
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::GetArtifact(grpc::ServerContext*, const v1::GetArtifactRequest* req,
                                          v1::Artifact* resp) {
  TASK_TRY(id, IdFromName(req->name(), "artifacts/", "name"));
  TASK_TRY(a, tasks_.GetArtifact(id));
  ToProto(a, resp);
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::ListArtifacts(grpc::ServerContext*, const v1::ListArtifactsRequest* req,
                                            v1::ListArtifactsResponse* resp) {
  TASK_TRY(size, PageSize(req->page_size(), 50, 500));
  TASK_TRY(after, CursorFromToken(req->page_token()));
  TASK_TRY(page, tasks_.ListArtifacts(after, size));
  for (const Artifact& a : page.items) ToProto(a, resp->add_artifacts());
  if (page.more) resp->set_next_page_token(CursorToken({page.items.back().create_time, page.items.back().id}));
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::DeleteArtifact(grpc::ServerContext*, const v1::DeleteArtifactRequest* req,
                                             v1::DeleteArtifactResponse*) {
  TASK_TRY(id, IdFromName(req->name(), "artifacts/", "name"));
  return ToGrpc(tasks_.DeleteArtifact(id));
}

grpc::Status TaskServiceImpl::CreateCampaign(grpc::ServerContext*, const v1::CreateCampaignRequest* req,
                                             v1::Campaign* resp) {
  TASK_TRY(spec, FromProto(req->spec()));
  return Reply(tasks_.CreateCampaign(req->display_name(), spec, req->operator_id()), resp);
}

grpc::Status TaskServiceImpl::GetCampaign(grpc::ServerContext*, const v1::GetCampaignRequest* req,
                                          v1::Campaign* resp) {
  TASK_TRY(id, IdFromName(req->name(), "campaigns/", "name"));
  return Reply(tasks_.GetCampaign(id), resp);
}

grpc::Status TaskServiceImpl::ListCampaigns(grpc::ServerContext*, const v1::ListCampaignsRequest* req,
                                            v1::ListCampaignsResponse* resp) {
  std::optional<CampaignState> state;
  if (req->state() != v1::CAMPAIGN_STATE_UNSPECIFIED) {
    state = FromProto(req->state());
    if (!state) return ToGrpc(status::InvalidField("state", "unknown state"));
  }
  TASK_TRY(size, PageSize(req->page_size(), 50, 500));
  TASK_TRY(after, CursorFromToken(req->page_token()));
  TASK_TRY(page, tasks_.ListCampaigns(state, after, size));
  for (const Campaign& c : page.items) ToProto(c, tasks_.EtaOf(c), resp->add_campaigns());
  if (page.more) resp->set_next_page_token(CursorToken({page.items.back().create_time, page.items.back().id}));
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::PauseCampaign(grpc::ServerContext*, const v1::PauseCampaignRequest* req,
                                            v1::Campaign* resp) {
  TASK_TRY(id, IdFromName(req->name(), "campaigns/", "name"));
  return Reply(tasks_.Pause(id, req->operator_id()), resp);
}

grpc::Status TaskServiceImpl::ResumeCampaign(grpc::ServerContext*, const v1::ResumeCampaignRequest* req,
                                             v1::Campaign* resp) {
  TASK_TRY(id, IdFromName(req->name(), "campaigns/", "name"));
  return Reply(tasks_.Resume(id, req->operator_id()), resp);
}

grpc::Status TaskServiceImpl::CancelCampaign(grpc::ServerContext*, const v1::CancelCampaignRequest* req,
                                             v1::Campaign* resp) {
  TASK_TRY(id, IdFromName(req->name(), "campaigns/", "name"));
  return Reply(tasks_.Cancel(id, req->operator_id(), req->reason()), resp);
}

grpc::Status TaskServiceImpl::ListExecutions(grpc::ServerContext*, const v1::ListExecutionsRequest* req,
                                             v1::ListExecutionsResponse* resp) {
  TASK_TRY(id, IdFromName(req->campaign(), "campaigns/", "campaign"));
  std::optional<ExecState> state;
  if (req->state() != v1::EXECUTION_STATE_UNSPECIFIED) {
    state = FromProto(req->state());
    if (!state) return ToGrpc(status::InvalidField("state", "unknown state"));
  }
  TASK_TRY(size, PageSize(req->page_size(), 100, 1000));
  TASK_TRY(after, StringFromToken(req->page_token()));
  TASK_TRY(page, tasks_.ListExecutions(id, state, after, size));
  for (const Execution& e : page.items) ToProto(e, resp->add_executions());
  if (page.more) resp->set_next_page_token(StringToken(page.items.back().device_id));
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::ListCampaignBatches(grpc::ServerContext*,
                                                  const v1::ListCampaignBatchesRequest* req,
                                                  v1::ListCampaignBatchesResponse* resp) {
  TASK_TRY(id, IdFromName(req->campaign(), "campaigns/", "campaign"));
  TASK_TRY(size, PageSize(req->page_size(), 50, 500));
  TASK_TRY(after, BatchFromToken(req->page_token()));
  TASK_TRY(page, tasks_.ListBatches(id, after, size));
  for (const BatchProgress& b : page.items) ToProto(b, resp->add_batches());
  if (page.more) resp->set_next_page_token(BatchToken(page.items.back().batch));
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::ListDeviceExecutions(grpc::ServerContext*,
                                                   const v1::ListDeviceExecutionsRequest* req,
                                                   v1::ListExecutionsResponse* resp) {
  TASK_TRY(size, PageSize(req->page_size(), 100, 1000));
  TASK_TRY(after, CursorFromToken(req->page_token()));
  TASK_TRY(page, tasks_.ListDeviceExecutions(req->device_id(), after, size));
  for (const Execution& e : page.items) ToProto(e, resp->add_executions());
  if (page.more) {
    resp->set_next_page_token(CursorToken({page.items.back().create_time, page.items.back().campaign_id}));
  }
  return grpc::Status::OK;
}

grpc::Status TaskServiceImpl::GetTimeline(grpc::ServerContext*, const v1::GetTimelineRequest* req,
                                          v1::GetTimelineResponse* resp) {
  std::string campaign;
  if (!req->campaign().empty()) {
    TASK_TRY(id, IdFromName(req->campaign(), "campaigns/", "campaign"));
    campaign = id;
  }
  TASK_TRY(size, PageSize(req->page_size(), 200, 1000));
  TASK_TRY(after, SeqFromToken(req->page_token()));
  TASK_TRY(page, tasks_.Timeline(campaign, req->device_id(), after, size));
  for (const Event& e : page.items) ToProto(e, resp->add_entries());
  resp->set_next_page_token(page.items.empty() ? req->page_token() : SeqToken(page.items.back().seq));
  resp->set_more(page.more);
  return grpc::Status::OK;
}

}  // namespace fleet::task
