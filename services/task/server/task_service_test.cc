#include "services/task/server/task_service.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/rollout.h"
#include "services/task/server/convert.h"

namespace fleet::task {
namespace {

class TaskServiceTest : public ::testing::Test {
 protected:
  TaskServiceTest()
      : tasks_(store_, store_, directory_, clock_),
        rollout_(store_, store_, channel_, presence_, directory_, clock_),
        service_(tasks_) {}

  void SetUp() override {
    auto server = grpcx::Server::Start({}, {&service_}, std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::TaskService::NewStub(grpcx::Dial("127.0.0.1:" + std::to_string(server_->port())));
  }

  template <typename Req, typename Resp, typename Fn>
  absl::Status Call(Fn fn, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    return status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }

  v1::Artifact NewArtifact() {
    v1::CreateArtifactRequest req;
    req.mutable_artifact()->set_display_name("gw fw");
    req.mutable_artifact()->set_kind(v1::FIRMWARE);
    req.mutable_artifact()->set_version("2.0.0");
    req.mutable_artifact()->set_url("https://cdn/fw.bin");
    req.mutable_artifact()->set_sha256(std::string(64, 'a'));
    req.mutable_artifact()->set_size_bytes(99);
    req.mutable_artifact()->add_models("gw-200");
    v1::Artifact a;
    EXPECT_TRUE(Call(&v1::TaskService::Stub::CreateArtifact, req, &a).ok());
    return a;
  }

  v1::Campaign NewCampaign(const std::string& artifact_name, int devices) {
    v1::CreateCampaignRequest req;
    req.set_display_name("tonight");
    req.set_operator_id("alice");
    v1::CampaignSpec* s = req.mutable_spec();
    s->set_kind(v1::CAMPAIGN_FIRMWARE);
    s->set_artifact(artifact_name);
    for (int i = 0; i < devices; ++i) s->mutable_targets()->add_device_ids("d" + std::to_string(i));
    s->mutable_rollout()->set_batch_size(2);
    s->mutable_rollout()->mutable_batch_interval()->set_seconds(300);
    s->mutable_timeouts()->mutable_reboot()->set_seconds(120);
    s->mutable_window()->set_start_minute(0);
    s->mutable_window()->set_end_minute(1439);
    s->mutable_window()->set_time_zone("Europe/Berlin");
    s->mutable_abort()->mutable_overall()->set_min_finished(10);
    s->mutable_abort()->mutable_overall()->set_max_failure_percent(5);
    v1::Campaign c;
    absl::Status st = Call(&v1::TaskService::Stub::CreateCampaign, req, &c);
    EXPECT_TRUE(st.ok()) << st;
    return c;
  }

  FakeClock clock_;
  MemoryStore store_;
  testing::FakeDirectory directory_;
  testing::FakeChannel channel_;
  testing::FakePresence presence_;
  TaskManager tasks_;
  Rollout rollout_;
  TaskServiceImpl service_;
  std::unique_ptr<grpcx::Server> server_;
  std::unique_ptr<v1::TaskService::Stub> stub_;
};

TEST_F(TaskServiceTest, ArtifactsRoundTrip) {
  v1::Artifact a = NewArtifact();
  EXPECT_EQ(a.name(), "artifacts/" + a.id());
  EXPECT_EQ(a.models(0), "gw-200");
  v1::GetArtifactRequest get;
  get.set_name(a.name());
  v1::Artifact got;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::GetArtifact, get, &got).ok());
  EXPECT_EQ(got.sha256(), a.sha256());
  get.set_name("artifacts/nope");
  absl::Status st = Call(&v1::TaskService::Stub::GetArtifact, get, &got);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(st), "TASK_ARTIFACT_NOT_FOUND");
  v1::CreateArtifactRequest bad;
  bad.mutable_artifact()->set_display_name("x");
  st = Call(&v1::TaskService::Stub::CreateArtifact, bad, &got);
  EXPECT_EQ(status::Metadata(st)["field"], "artifact.kind");
  v1::ListArtifactsRequest list;
  v1::ListArtifactsResponse page;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListArtifacts, list, &page).ok());
  EXPECT_EQ(page.artifacts_size(), 1);
  list.set_page_token("!!!");
  EXPECT_EQ(status::Metadata(Call(&v1::TaskService::Stub::ListArtifacts, list, &page))["field"], "page_token");
}

TEST_F(TaskServiceTest, CampaignLifecycleOverGrpc) {
  v1::Artifact a = NewArtifact();
  v1::Campaign c = NewCampaign(a.name(), 5);
  EXPECT_EQ(c.state(), v1::CAMPAIGN_SCHEDULED);
  EXPECT_EQ(c.counts().queued(), 5);
  EXPECT_EQ(c.counts().total(), 5);
  EXPECT_EQ(c.spec().rollout().max_in_flight(), 2);  // defaulted
  EXPECT_EQ(c.spec().timeouts().reboot().seconds(), 120);
  EXPECT_EQ(c.spec().timeouts().ack().seconds(), 120);
  EXPECT_EQ(c.spec().window().time_zone(), "Europe/Berlin");
  EXPECT_EQ(c.spec().artifact(), a.name());
  EXPECT_EQ(c.created_by(), "alice");

  ASSERT_TRUE(rollout_.Tick().ok());
  v1::GetCampaignRequest get;
  get.set_name(c.id());
  v1::Campaign running;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::GetCampaign, get, &running).ok());
  EXPECT_EQ(running.state(), v1::CAMPAIGN_RUNNING);
  EXPECT_EQ(running.counts().in_flight(), 2);
  EXPECT_FALSE(running.has_eta());  // nothing finished yet

  v1::ListExecutionsRequest le;
  le.set_campaign(c.name());
  le.set_state(v1::SENT);
  v1::ListExecutionsResponse execs;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListExecutions, le, &execs).ok());
  ASSERT_EQ(execs.executions_size(), 2);
  EXPECT_EQ(execs.executions(0).name(), "campaigns/" + c.id() + "/executions/d0");
  EXPECT_EQ(execs.executions(0).target_version(), "2.0.0");
  le.clear_state();
  le.set_page_size(3);
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListExecutions, le, &execs).ok());
  ASSERT_EQ(execs.executions_size(), 3);
  le.set_page_token(execs.next_page_token());
  v1::ListExecutionsResponse rest;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListExecutions, le, &rest).ok());
  ASSERT_EQ(rest.executions_size(), 2);
  EXPECT_EQ(rest.executions(0).device_id(), "d3");
  EXPECT_TRUE(rest.next_page_token().empty());

  v1::PauseCampaignRequest pause;
  pause.set_name(c.name());
  pause.set_operator_id("bob");
  v1::Campaign paused;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::PauseCampaign, pause, &paused).ok());
  EXPECT_EQ(paused.state(), v1::CAMPAIGN_PAUSED);
  EXPECT_EQ(paused.state_reason(), "paused by bob");
  v1::CancelCampaignRequest cancel;
  cancel.set_name(c.id());
  cancel.set_operator_id("bob");
  v1::Campaign canceled;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::CancelCampaign, cancel, &canceled).ok());
  EXPECT_EQ(canceled.counts().canceled(), 3);
  EXPECT_TRUE(canceled.has_end_time());
  v1::ResumeCampaignRequest resume;
  resume.set_name(c.id());
  absl::Status st = Call(&v1::TaskService::Stub::ResumeCampaign, resume, &paused);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status::Reason(st), "TASK_INVALID_STATE_TRANSITION");

  v1::GetTimelineRequest tl;
  tl.set_campaign(c.name());
  tl.set_page_size(2);
  v1::GetTimelineResponse first;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::GetTimeline, tl, &first).ok());
  ASSERT_EQ(first.entries_size(), 2);
  EXPECT_TRUE(first.more());
  EXPECT_EQ(first.entries(0).kind(), v1::TimelineEntry::CAMPAIGN);
  int total = 2;
  tl.set_page_token(first.next_page_token());
  tl.set_page_size(1000);
  v1::GetTimelineResponse second;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::GetTimeline, tl, &second).ok());
  total += second.entries_size();
  EXPECT_FALSE(second.more());
  EXPECT_GT(second.entries(0).sequence(), first.entries(1).sequence());
  EXPECT_EQ(total, 2 /*created, started*/ + 1 /*batch*/ + 2 /*sent*/ + 1 /*paused*/ + 1 /*canceled*/ + 3);
  // Following a live timeline: polling at the end echoes a usable token.
  tl.set_page_token(second.next_page_token());
  v1::GetTimelineResponse empty;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::GetTimeline, tl, &empty).ok());
  EXPECT_EQ(empty.entries_size(), 0);
  EXPECT_EQ(empty.next_page_token(), second.next_page_token());

  v1::ListDeviceExecutionsRequest de;
  de.set_device_id("d4");
  v1::ListExecutionsResponse dev;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListDeviceExecutions, de, &dev).ok());
  ASSERT_EQ(dev.executions_size(), 1);
  EXPECT_EQ(dev.executions(0).state(), v1::CANCELED);
}

TEST_F(TaskServiceTest, CampaignBatchesPageAndReject) {
  v1::Campaign c = NewCampaign(NewArtifact().name(), 5);
  v1::ListCampaignBatchesRequest req;
  req.set_campaign(c.name());
  v1::ListCampaignBatchesResponse resp;
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListCampaignBatches, req, &resp).ok());
  EXPECT_EQ(resp.batches_size(), 0);  // nothing sent yet
  ASSERT_TRUE(rollout_.Tick().ok());  // batch 0: d0, d1 SENT
  const absl::Time sent = clock_.Now();
  clock_.Advance(absl::Seconds(3));
  ASSERT_TRUE(store_.UpdateExecution(1, [&](Execution& e, const Campaign&) {
    e.state = ExecState::kDownloading;
    e.state_time = clock_.Now();
    return std::vector<Event>{Event{}};
  }).ok());
  ASSERT_TRUE(Call(&v1::TaskService::Stub::ListCampaignBatches, req, &resp).ok());
  ASSERT_EQ(resp.batches_size(), 1);
  const v1::CampaignBatch& b = resp.batches(0);
  EXPECT_EQ(b.index(), 0);
  EXPECT_EQ(b.counts().in_flight(), 2);
  EXPECT_EQ(b.counts().total(), 2);
  EXPECT_EQ(b.start_time().seconds(), absl::ToUnixSeconds(sent));
  EXPECT_EQ(b.update_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_TRUE(resp.next_page_token().empty());

  req.set_page_token("not-a-token!");
  absl::Status st = Call(&v1::TaskService::Stub::ListCampaignBatches, req, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Metadata(st)["field"], "page_token");
  req.set_page_token("");
  req.set_page_size(-1);
  EXPECT_EQ(Call(&v1::TaskService::Stub::ListCampaignBatches, req, &resp).code(),
            absl::StatusCode::kInvalidArgument);
  req.set_page_size(0);
  req.set_campaign("campaigns/nope");
  st = Call(&v1::TaskService::Stub::ListCampaignBatches, req, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(st), "TASK_CAMPAIGN_NOT_FOUND");
}

TEST_F(TaskServiceTest, BadSpecsAreNamedFields) {
  v1::CreateCampaignRequest req;
  v1::Campaign c;
  absl::Status st = Call(&v1::TaskService::Stub::CreateCampaign, req, &c);
  EXPECT_EQ(status::Metadata(st)["field"], "spec.kind");
  req.mutable_spec()->set_kind(v1::CAMPAIGN_COMMAND);
  req.mutable_spec()->mutable_command()->set_name("x");
  req.mutable_spec()->mutable_command()->set_args_json("{not json");
  st = Call(&v1::TaskService::Stub::CreateCampaign, req, &c);
  EXPECT_EQ(status::Metadata(st)["field"], "spec.command.args_json");
  req.mutable_spec()->mutable_command()->set_args_json("");
  st = Call(&v1::TaskService::Stub::CreateCampaign, req, &c);
  EXPECT_EQ(status::Metadata(st)["field"], "spec.targets");
  req.mutable_spec()->mutable_targets()->add_device_ids("d1");
  st = Call(&v1::TaskService::Stub::CreateCampaign, req, &c);
  EXPECT_EQ(status::Metadata(st)["field"], "spec.rollout.batch_size");
  req.mutable_spec()->mutable_rollout()->set_batch_size(1);
  EXPECT_TRUE(Call(&v1::TaskService::Stub::CreateCampaign, req, &c).ok());
  EXPECT_EQ(c.spec().command().args_json(), "{}");
}

}  // namespace
}  // namespace fleet::task
