#include "services/task/domain/task_manager.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"

namespace fleet::task {
namespace {

using ::testing::HasSubstr;

class TaskManagerTest : public ::testing::Test {
 protected:
  TaskManagerTest() : tasks_(store_, store_, directory_, clock_, {}, [this](char p) {
                        return std::string(1, p) + std::to_string(++next_id_);
                      }) {}

  Artifact Firmware(std::string version = "2.0.0") {
    Artifact a;
    a.display_name = "gw firmware";
    a.kind = ArtifactKind::kFirmware;
    a.version = std::move(version);
    a.url = "https://cdn.example.com/fw.bin";
    a.sha256 = std::string(64, 'b');
    a.size_bytes = 4096;
    return a;
  }
  CampaignSpec Spec(const std::string& artifact) {
    CampaignSpec s;
    s.kind = CampaignKind::kFirmware;
    s.artifact_id = artifact;
    s.targets.device_ids = {"d1", "d2", "d3"};
    s.batch_size = 2;
    return s;
  }

  FakeClock clock_;
  MemoryStore store_;
  testing::FakeDirectory directory_;
  int next_id_ = 0;
  TaskManager tasks_;
};

TEST_F(TaskManagerTest, ArtifactLifecycle) {
  absl::StatusOr<Artifact> a = tasks_.CreateArtifact(Firmware());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id, "a1");
  EXPECT_EQ(a->create_time, clock_.Now());
  EXPECT_EQ(status::Reason(tasks_.CreateArtifact(Firmware()).status()), "TASK_ARTIFACT_EXISTS");
  EXPECT_EQ(tasks_.GetArtifact("a1")->version, "2.0.0");
  EXPECT_EQ(status::Reason(tasks_.GetArtifact("nope").status()), "TASK_ARTIFACT_NOT_FOUND");
  Artifact bad = Firmware("3");
  bad.sha256 = "xyz";
  EXPECT_EQ(status::Metadata(tasks_.CreateArtifact(bad).status())["field"], "artifact.sha256");

  absl::StatusOr<Campaign> c = tasks_.CreateCampaign("", Spec("a1"), "alice");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->display_name, c->id);
  EXPECT_EQ(status::Reason(tasks_.DeleteArtifact("a1")), "TASK_ARTIFACT_IN_USE");
  ASSERT_TRUE(tasks_.Cancel(c->id, "alice", "").ok());
  EXPECT_TRUE(tasks_.DeleteArtifact("a1").ok());
  EXPECT_EQ(status::Reason(tasks_.DeleteArtifact("a1")), "TASK_ARTIFACT_NOT_FOUND");
}

TEST_F(TaskManagerTest, CreateCampaignChecksArtifactAndTargets) {
  ASSERT_TRUE(tasks_.CreateArtifact(Firmware()).ok());
  CampaignSpec mcu = Spec("a1");
  mcu.kind = CampaignKind::kMcu;
  EXPECT_EQ(status::Reason(tasks_.CreateCampaign("x", mcu, "alice").status()),
            "TASK_ARTIFACT_INCOMPATIBLE");
  EXPECT_EQ(status::Reason(tasks_.CreateCampaign("x", Spec("zz"), "alice").status()),
            "TASK_ARTIFACT_NOT_FOUND");
  CampaignSpec by_label = Spec("a1");
  by_label.targets.device_ids.clear();
  by_label.targets.label_filter = "labels.site = north";
  EXPECT_EQ(status::Reason(tasks_.CreateCampaign("x", by_label, "alice").status()), "TASK_NO_TARGETS");
  directory_.AddToFilter("labels.site = north", {"n1", "gw-200"});
  absl::StatusOr<Campaign> c = tasks_.CreateCampaign("north", by_label, "alice");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state, CampaignState::kScheduled);
  EXPECT_EQ(c->counts.queued, 1);
  EXPECT_EQ(c->target_version, "2.0.0");
  EXPECT_EQ(c->created_by, "alice");
}

TEST_F(TaskManagerTest, PauseResumeCancelTransitions) {
  ASSERT_TRUE(tasks_.CreateArtifact(Firmware()).ok());
  absl::StatusOr<Campaign> c = tasks_.CreateCampaign("x", Spec("a1"), "alice");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(tasks_.Pause(c->id, "bob")->state, CampaignState::kPaused);
  EXPECT_EQ(tasks_.Pause(c->id, "bob")->state_reason, "paused by bob");  // idempotent
  EXPECT_EQ(tasks_.Resume(c->id, "bob")->state, CampaignState::kRunning);
  absl::StatusOr<Campaign> canceled = tasks_.Cancel(c->id, "bob", "wrong build");
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->state, CampaignState::kCanceled);
  EXPECT_EQ(canceled->counts.canceled, 3);
  EXPECT_THAT(canceled->state_reason, HasSubstr("wrong build"));
  EXPECT_TRUE(tasks_.Cancel(c->id, "bob", "").ok());
  EXPECT_EQ(status::Reason(tasks_.Resume(c->id, "bob").status()), "TASK_INVALID_STATE_TRANSITION");
  EXPECT_EQ(status::Reason(tasks_.Pause(c->id, "bob").status()), "TASK_INVALID_STATE_TRANSITION");
  EXPECT_EQ(status::Reason(tasks_.Pause("nope", "bob").status()), "TASK_CAMPAIGN_NOT_FOUND");

  absl::StatusOr<Page<Event>> tl = tasks_.Timeline(c->id, "", 0, 100);
  ASSERT_TRUE(tl.ok());
  std::vector<std::string> messages;
  for (const Event& e : tl->items) messages.push_back(e.message);
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("created with 3 devices")));
  EXPECT_THAT(messages, ::testing::Contains("paused by bob"));
  EXPECT_THAT(messages, ::testing::Contains("canceled by bob: wrong build"));
  absl::StatusOr<Page<Event>> device = tasks_.Timeline("", "d2", 0, 100);
  ASSERT_TRUE(device.ok());
  ASSERT_EQ(device->items.size(), 1u);
  EXPECT_EQ(device->items[0].state, ExecState::kCanceled);
  EXPECT_FALSE(tasks_.Timeline("", "", 0, 10).ok());
}

TEST_F(TaskManagerTest, ResumeBeforeStartTimeIsScheduledAgain) {
  ASSERT_TRUE(tasks_.CreateArtifact(Firmware()).ok());
  CampaignSpec s = Spec("a1");
  s.start_time = clock_.Now() + absl::Hours(2);
  absl::StatusOr<Campaign> c = tasks_.CreateCampaign("later", s, "alice");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(tasks_.Pause(c->id, "alice").ok());
  EXPECT_EQ(tasks_.Resume(c->id, "alice")->state, CampaignState::kScheduled);
}

TEST_F(TaskManagerTest, ListsPage) {
  ASSERT_TRUE(tasks_.CreateArtifact(Firmware()).ok());
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(1));
    ASSERT_TRUE(tasks_.CreateCampaign("x", Spec("a1"), "alice").ok());
  }
  absl::StatusOr<Page<Campaign>> p = tasks_.ListCampaigns(std::nullopt, {}, 2);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->items.size(), 2u);
  EXPECT_TRUE(p->more);
  EXPECT_EQ(p->items[0].id, "c4");  // newest first
  absl::StatusOr<Page<Campaign>> rest =
      tasks_.ListCampaigns(std::nullopt, {p->items[1].create_time, p->items[1].id}, 2);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "c2");
  EXPECT_FALSE(rest->more);
  absl::StatusOr<Page<Execution>> ex = tasks_.ListExecutions("c2", ExecState::kQueued, "d1", 10);
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->items.size(), 2u);
  EXPECT_EQ(status::Reason(tasks_.ListExecutions("c9", std::nullopt, "", 10).status()),
            "TASK_CAMPAIGN_NOT_FOUND");
  EXPECT_EQ(tasks_.ListDeviceExecutions("d1", {}, 10)->items.size(), 3u);
}

}  // namespace
}  // namespace fleet::task
