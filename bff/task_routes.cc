#include "bff/task_routes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bff/http_util.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

namespace t = task::v1;

// Ids in paths are single segments of [A-Za-z0-9._-], 1..128 characters.
absl::Status CheckId(const std::string& id, const char* field) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) ok = ok && (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.');
  if (!ok) return status::InvalidField(field, absl::StrCat(field, " must be 1..128 characters of [A-Za-z0-9._-]"));
  return absl::OkStatus();
}

// Sets page_size and page_token of any list request from the query.
template <typename Req>
absl::Status Paging(const http::Request& r, Req& req) {
  auto n = PageSize(r);
  if (!n.ok()) return n.status();
  req.set_page_size(*n);
  req.set_page_token(r.QueryParam("page_token"));
  return absl::OkStatus();
}

absl::StatusOr<t::ExecutionState> ExecutionStateParam(const http::Request& r) {
  const std::string v = absl::AsciiStrToUpper(r.QueryParam("state"));
  if (v.empty()) return t::EXECUTION_STATE_UNSPECIFIED;
  t::ExecutionState s;
  if (!t::ExecutionState_Parse(v, &s) || s == t::EXECUTION_STATE_UNSPECIFIED) {
    return status::InvalidField("state", "state must be an execution state such as QUEUED, SENT, DOWNLOADING, "
                                         "SUCCEEDED, FAILED, TIMED_OUT, CANCELED, SKIPPED");
  }
  return s;
}

absl::StatusOr<t::CampaignState> CampaignStateParam(const http::Request& r) {
  std::string v = absl::AsciiStrToUpper(r.QueryParam("state"));
  if (v.empty()) return t::CAMPAIGN_STATE_UNSPECIFIED;
  if (!absl::StartsWith(v, "CAMPAIGN_")) v = "CAMPAIGN_" + v;
  t::CampaignState s;
  if (!t::CampaignState_Parse(v, &s) || s == t::CAMPAIGN_STATE_UNSPECIFIED) {
    return status::InvalidField("state", "state must be SCHEDULED, RUNNING, PAUSED, COMPLETED or CANCELED");
  }
  return s;
}

}  // namespace

void TaskRoutes::Register(Router& router) {
  router.Add("POST", "/v1/artifacts", [this](const http::Request& r, const PathVars&) { return CreateArtifact(r); });
  router.Add("GET", "/v1/artifacts", [this](const http::Request& r, const PathVars&) { return ListArtifacts(r); });
  router.Add("GET", "/v1/artifacts/{artifact}",
             [this](const http::Request& r, const PathVars& v) { return GetArtifact(r, v.at("artifact")); });
  router.Add("DELETE", "/v1/artifacts/{artifact}",
             [this](const http::Request& r, const PathVars& v) { return DeleteArtifact(r, v.at("artifact")); });
  router.Add("POST", "/v1/campaigns", [this](const http::Request& r, const PathVars&) { return CreateCampaign(r); });
  router.Add("GET", "/v1/campaigns", [this](const http::Request& r, const PathVars&) { return ListCampaigns(r); });
  router.Add("GET", "/v1/campaigns/{campaign}",
             [this](const http::Request& r, const PathVars& v) { return GetCampaign(r, v.at("campaign")); });
  for (const char* verb : {"pause", "resume", "cancel"}) {
    router.Add("POST", absl::StrCat("/v1/campaigns/{campaign}:", verb),
               [this, verb](const http::Request& r, const PathVars& v) { return Control(r, v.at("campaign"), verb); });
  }
  router.Add("GET", "/v1/campaigns/{campaign}/executions",
             [this](const http::Request& r, const PathVars& v) { return ListExecutions(r, v.at("campaign")); });
  router.Add("GET", "/v1/campaigns/{campaign}/batches",
             [this](const http::Request& r, const PathVars& v) { return ListBatches(r, v.at("campaign")); });
  router.Add("GET", "/v1/devices/{device}/executions",
             [this](const http::Request& r, const PathVars& v) { return ListDeviceExecutions(r, v.at("device")); });
  router.Add("GET", "/v1/campaigns/{campaign}/timeline", [this](const http::Request& r, const PathVars& v) {
    return Timeline(r, v.at("campaign"), r.QueryParam("device"));
  });
  router.Add("GET", "/v1/devices/{device}/timeline",
             [this](const http::Request& r, const PathVars& v) { return Timeline(r, "", v.at("device")); });
}

http::Response TaskRoutes::CreateArtifact(const http::Request& r) {
  t::Artifact a;
  if (absl::Status st = ParseJsonBody(r, a, /*allow_empty=*/false); !st.ok()) return Error(st, r);
  t::CreateArtifactRequest req;
  *req.mutable_artifact() = std::move(a);
  auto out = tasks_.CreateArtifact(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  http::Response resp = ProtoJson(*out);
  resp.status = 201;
  return resp;
}

http::Response TaskRoutes::GetArtifact(const http::Request& r, const std::string& id) {
  if (absl::Status st = CheckId(id, "artifact"); !st.ok()) return Error(st, r);
  t::GetArtifactRequest req;
  req.set_name("artifacts/" + id);
  auto out = tasks_.GetArtifact(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::ListArtifacts(const http::Request& r) {
  t::ListArtifactsRequest req;
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto out = tasks_.ListArtifacts(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::DeleteArtifact(const http::Request& r, const std::string& id) {
  if (absl::Status st = CheckId(id, "artifact"); !st.ok()) return Error(st, r);
  t::DeleteArtifactRequest req;
  req.set_name("artifacts/" + id);
  auto out = tasks_.DeleteArtifact(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::CreateCampaign(const http::Request& r) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  t::CreateCampaignRequest req;
  if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/false); !st.ok()) return Error(st, r);
  if (!req.operator_id().empty() && req.operator_id() != *op) {
    return Error(status::InvalidField("operatorId", "the operator is the signed-in caller; leave operatorId out"), r);
  }
  req.set_operator_id(*op);
  auto out = tasks_.CreateCampaign(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  http::Response resp = ProtoJson(*out);
  resp.status = 201;
  return resp;
}

http::Response TaskRoutes::GetCampaign(const http::Request& r, const std::string& id) {
  if (absl::Status st = CheckId(id, "campaign"); !st.ok()) return Error(st, r);
  t::GetCampaignRequest req;
  req.set_name("campaigns/" + id);
  auto out = tasks_.GetCampaign(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::ListCampaigns(const http::Request& r) {
  t::ListCampaignsRequest req;
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto state = CampaignStateParam(r);
  if (!state.ok()) return Error(state.status(), r);
  req.set_state(*state);
  auto out = tasks_.ListCampaigns(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::Control(const http::Request& r, const std::string& id, const std::string& verb) {
  if (absl::Status st = CheckId(id, "campaign"); !st.ok()) return Error(st, r);
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  const std::string name = "campaigns/" + id;
  absl::StatusOr<t::Campaign> out;
  if (verb == "cancel") {
    t::CancelCampaignRequest req;
    if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
    req.set_name(name);
    req.set_operator_id(*op);
    out = tasks_.CancelCampaign(req, ContextFor(r, timeout_));
  } else if (verb == "pause") {
    t::PauseCampaignRequest req;
    if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
    req.set_name(name);
    req.set_operator_id(*op);
    out = tasks_.PauseCampaign(req, ContextFor(r, timeout_));
  } else {
    t::ResumeCampaignRequest req;
    if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
    req.set_name(name);
    req.set_operator_id(*op);
    out = tasks_.ResumeCampaign(req, ContextFor(r, timeout_));
  }
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::ListExecutions(const http::Request& r, const std::string& campaign) {
  if (absl::Status st = CheckId(campaign, "campaign"); !st.ok()) return Error(st, r);
  t::ListExecutionsRequest req;
  req.set_campaign("campaigns/" + campaign);
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto state = ExecutionStateParam(r);
  if (!state.ok()) return Error(state.status(), r);
  req.set_state(*state);
  auto out = tasks_.ListExecutions(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::ListBatches(const http::Request& r, const std::string& campaign) {
  if (absl::Status st = CheckId(campaign, "campaign"); !st.ok()) return Error(st, r);
  t::ListCampaignBatchesRequest req;
  req.set_campaign("campaigns/" + campaign);
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto out = tasks_.ListCampaignBatches(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::ListDeviceExecutions(const http::Request& r, const std::string& device) {
  if (absl::Status st = ids::ValidateDeviceId(device); !st.ok()) return Error(st, r);
  t::ListDeviceExecutionsRequest req;
  req.set_device_id(device);
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto out = tasks_.ListDeviceExecutions(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

http::Response TaskRoutes::Timeline(const http::Request& r, const std::string& campaign, const std::string& device) {
  t::GetTimelineRequest req;
  if (!campaign.empty()) {
    if (absl::Status st = CheckId(campaign, "campaign"); !st.ok()) return Error(st, r);
    req.set_campaign("campaigns/" + campaign);
  }
  if (!device.empty()) {
    if (absl::Status st = ids::ValidateDeviceId(device); !st.ok()) return Error(st, r);
    req.set_device_id(device);
  }
  if (absl::Status st = Paging(r, req); !st.ok()) return Error(st, r);
  auto out = tasks_.GetTimeline(req, ContextFor(r, timeout_));
  if (!out.ok()) return Error(out.status(), r);
  return ProtoJson(*out);
}

}  // namespace fleet::bff
