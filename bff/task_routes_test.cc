#include "bff/task_routes.h"

#include <rapidjson/document.h>

#include "bff/http_util.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

namespace t = task::v1;

class FakeTasks : public TaskBackend {
 public:
  absl::StatusOr<t::Artifact> CreateArtifact(const t::CreateArtifactRequest& r, Ctx) override {
    artifact_req = r;
    t::Artifact a = r.artifact();
    a.set_name("artifacts/a1");
    return a;
  }
  absl::StatusOr<t::Artifact> GetArtifact(const t::GetArtifactRequest& r, Ctx) override {
    names.push_back(r.name());
    return t::Artifact();
  }
  absl::StatusOr<t::ListArtifactsResponse> ListArtifacts(const t::ListArtifactsRequest& r, Ctx) override {
    page_size = r.page_size();
    return t::ListArtifactsResponse();
  }
  absl::StatusOr<t::DeleteArtifactResponse> DeleteArtifact(const t::DeleteArtifactRequest& r, Ctx) override {
    names.push_back(r.name());
    return t::DeleteArtifactResponse();
  }
  absl::StatusOr<t::Campaign> CreateCampaign(const t::CreateCampaignRequest& r, Ctx) override {
    campaign_req = r;
    if (!fail.ok()) return fail;
    t::Campaign c;
    c.set_name("campaigns/c1");
    return c;
  }
  absl::StatusOr<t::Campaign> GetCampaign(const t::GetCampaignRequest& r, Ctx) override {
    names.push_back(r.name());
    return t::Campaign();
  }
  absl::StatusOr<t::ListCampaignsResponse> ListCampaigns(const t::ListCampaignsRequest& r, Ctx) override {
    campaign_state = r.state();
    return t::ListCampaignsResponse();
  }
  absl::StatusOr<t::Campaign> PauseCampaign(const t::PauseCampaignRequest& r, Ctx) override {
    names.push_back("pause " + r.name() + " by " + r.operator_id());
    return t::Campaign();
  }
  absl::StatusOr<t::Campaign> ResumeCampaign(const t::ResumeCampaignRequest& r, Ctx) override {
    names.push_back("resume " + r.name() + " by " + r.operator_id());
    return t::Campaign();
  }
  absl::StatusOr<t::Campaign> CancelCampaign(const t::CancelCampaignRequest& r, Ctx) override {
    names.push_back("cancel " + r.name() + " by " + r.operator_id() + ": " + r.reason());
    return t::Campaign();
  }
  absl::StatusOr<t::ListExecutionsResponse> ListExecutions(const t::ListExecutionsRequest& r, Ctx) override {
    execution_state = r.state();
    names.push_back(r.campaign());
    return t::ListExecutionsResponse();
  }
  absl::StatusOr<t::ListCampaignBatchesResponse> ListCampaignBatches(const t::ListCampaignBatchesRequest& r,
                                                                     Ctx) override {
    batches_req = r;
    if (!fail.ok()) return fail;
    t::ListCampaignBatchesResponse out;
    t::CampaignBatch* b = out.add_batches();
    b->set_index(3);
    b->mutable_counts()->set_succeeded(7);
    b->mutable_counts()->set_total(7);
    b->mutable_start_time()->set_seconds(1800000000);
    out.set_next_page_token("next");
    return out;
  }
  absl::StatusOr<t::ListExecutionsResponse> ListDeviceExecutions(const t::ListDeviceExecutionsRequest& r,
                                                                 Ctx) override {
    names.push_back("device " + r.device_id());
    return t::ListExecutionsResponse();
  }
  absl::StatusOr<t::GetTimelineResponse> GetTimeline(const t::GetTimelineRequest& r, Ctx) override {
    names.push_back("timeline " + r.campaign() + "|" + r.device_id());
    return t::GetTimelineResponse();
  }
  t::CreateArtifactRequest artifact_req;
  t::CreateCampaignRequest campaign_req;
  t::ListCampaignBatchesRequest batches_req;
  std::vector<std::string> names;
  int page_size = -1;
  t::CampaignState campaign_state = t::CAMPAIGN_STATE_UNSPECIFIED;
  t::ExecutionState execution_state = t::EXECUTION_STATE_UNSPECIFIED;
  absl::Status fail;
};

class TaskRoutesTest : public ::testing::Test {
 protected:
  TaskRoutesTest() : routes_(tasks_, absl::Seconds(5)) { routes_.Register(router_); }

  http::Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                      std::map<std::string, std::string> query = {}) {
    http::Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.query = std::move(query);
    r.headers[kOperatorHeader] = "alice";
    Router::Match m = router_.Find(method, path);
    EXPECT_NE(m.handler, nullptr) << method << " " << path;
    if (m.handler == nullptr) return {};
    return (*m.handler)(r, m.vars);
  }
  static std::string Reason(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    return d.IsObject() && d.HasMember("error") ? d["error"]["details"][0]["reason"].GetString() : "";
  }

  FakeTasks tasks_;
  Router router_;
  TaskRoutes routes_;
};

TEST_F(TaskRoutesTest, CreateCampaignTakesTheOperatorFromTheCaller) {
  http::Response r = Call("POST", "/v1/campaigns",
                          R"({"displayName":"fw 2.0","spec":{"kind":"CAMPAIGN_FIRMWARE","artifact":"artifacts/a1"}})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(tasks_.campaign_req.operator_id(), "alice");
  EXPECT_EQ(tasks_.campaign_req.display_name(), "fw 2.0");
  EXPECT_EQ(Reason(Call("POST", "/v1/campaigns", R"({"displayName":"x","operatorId":"mallory"})")), "INVALID_FIELD");
  EXPECT_EQ(Reason(Call("POST", "/v1/campaigns", R"({"displayName":"x","bogus":1})")), "INVALID_FIELD");
  EXPECT_EQ(Call("POST", "/v1/campaigns", "not json").status, 400);
  EXPECT_EQ(Call("POST", "/v1/campaigns", "").status, 400);
  tasks_.fail = status::MakeError(absl::StatusCode::kNotFound, "TASK_ARTIFACT_NOT_FOUND", "no such artifact");
  http::Response nf = Call("POST", "/v1/campaigns", R"({"displayName":"x"})");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "TASK_ARTIFACT_NOT_FOUND");
}

TEST_F(TaskRoutesTest, ControlVerbsAndListsMapToTheService) {
  EXPECT_EQ(Call("POST", "/v1/campaigns/c1:pause").status, 200);
  EXPECT_EQ(Call("POST", "/v1/campaigns/c1:resume", "{}").status, 200);
  EXPECT_EQ(Call("POST", "/v1/campaigns/c1:cancel", R"({"reason":"wrong build"})").status, 200);
  EXPECT_EQ(Call("GET", "/v1/campaigns/c1/executions", "", {{"state", "failed"}}).status, 200);
  EXPECT_EQ(tasks_.execution_state, t::FAILED);
  EXPECT_EQ(Call("GET", "/v1/campaigns", "", {{"state", "running"}}).status, 200);
  EXPECT_EQ(tasks_.campaign_state, t::CAMPAIGN_RUNNING);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/executions").status, 200);
  EXPECT_EQ(Call("GET", "/v1/campaigns/c1/timeline", "", {{"device", "gw-1"}}).status, 200);
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1/timeline").status, 200);
  EXPECT_EQ(Call("GET", "/v1/artifacts", "", {{"page_size", "20"}}).status, 200);
  EXPECT_EQ(tasks_.page_size, 20);
  EXPECT_EQ(tasks_.names,
            (std::vector<std::string>{"pause campaigns/c1 by alice", "resume campaigns/c1 by alice",
                                      "cancel campaigns/c1 by alice: wrong build", "campaigns/c1", "device gw-1",
                                      "timeline campaigns/c1|gw-1", "timeline |gw-1"}));
}

TEST_F(TaskRoutesTest, BadInputIsRejectedBeforeTheService) {
  EXPECT_EQ(Reason(Call("GET", "/v1/campaigns", "", {{"state", "DANCING"}})), "INVALID_FIELD");
  EXPECT_EQ(Reason(Call("GET", "/v1/campaigns/c1/executions", "", {{"state", "nope"}})), "INVALID_FIELD");
  EXPECT_EQ(Reason(Call("GET", "/v1/artifacts", "", {{"page_size", "-3"}})), "INVALID_FIELD");
  EXPECT_EQ(Call("GET", "/v1/campaigns/bad$id").status, 400);
  EXPECT_EQ(Call("GET", "/v1/devices/bad id/timeline").status, 400);
  EXPECT_EQ(Call("POST", "/v1/campaigns/c1:cancel", R"({"reason":5})").status, 400);
  EXPECT_TRUE(tasks_.names.empty());
}

TEST_F(TaskRoutesTest, CampaignBatchesArePagedThroughTheService) {
  http::Response r = Call("GET", "/v1/campaigns/c1/batches", "", {{"page_size", "20"}, {"page_token", "tok"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(tasks_.batches_req.campaign(), "campaigns/c1");
  EXPECT_EQ(tasks_.batches_req.page_size(), 20);
  EXPECT_EQ(tasks_.batches_req.page_token(), "tok");
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  ASSERT_TRUE(d.IsObject()) << r.body;
  EXPECT_EQ(d["batches"][0]["index"].GetInt(), 3);
  EXPECT_STREQ(d["batches"][0]["counts"]["succeeded"].GetString(), "7");  // int64 as a JSON string
  EXPECT_STREQ(d["batches"][0]["startTime"].GetString(), "2027-01-15T08:00:00Z");
  EXPECT_STREQ(d["nextPageToken"].GetString(), "next");

  EXPECT_EQ(Reason(Call("GET", "/v1/campaigns/c1/batches", "", {{"page_size", "x"}})), "INVALID_FIELD");
  EXPECT_EQ(Call("GET", "/v1/campaigns/bad$id/batches").status, 400);
  tasks_.fail = status::MakeError(absl::StatusCode::kNotFound, "TASK_CAMPAIGN_NOT_FOUND", "no such campaign");
  http::Response nf = Call("GET", "/v1/campaigns/c9/batches");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "TASK_CAMPAIGN_NOT_FOUND");
  tasks_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD", "bad token",
                                  {{"field", "page_token"}});
  EXPECT_EQ(Call("GET", "/v1/campaigns/c1/batches", "", {{"page_token", "zz"}}).status, 400);
}

TEST_F(TaskRoutesTest, ArtifactsCreateGetDelete) {
  http::Response r = Call("POST", "/v1/artifacts",
                          R"({"displayName":"gw fw","kind":"FIRMWARE","version":"2.0.0","url":"https://cdn/fw.bin"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(tasks_.artifact_req.artifact().version(), "2.0.0");
  EXPECT_EQ(Call("GET", "/v1/artifacts/a1").status, 200);
  EXPECT_EQ(Call("DELETE", "/v1/artifacts/a1").status, 200);
  EXPECT_EQ(tasks_.names, (std::vector<std::string>{"artifacts/a1", "artifacts/a1"}));
}

TEST(TaskRoutesUnconfiguredTest, AnswersBackendUnavailable) {
  auto backend = NewUnconfiguredTaskBackend();
  TaskRoutes routes(*backend, absl::Seconds(1));
  Router router;
  routes.Register(router);
  http::Request r;
  r.method = "GET";
  r.path = "/v1/campaigns";
  Router::Match m = router.Find("GET", "/v1/campaigns");
  ASSERT_NE(m.handler, nullptr);
  http::Response resp = (*m.handler)(r, m.vars);
  EXPECT_EQ(resp.status, 503);
  EXPECT_NE(resp.body.find("task is not configured"), std::string::npos);
}

}  // namespace
}  // namespace fleet::bff
