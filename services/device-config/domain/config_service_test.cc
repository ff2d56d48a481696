#include "services/device-config/domain/config_service.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"
#include "services/device-config/domain/memory_config_store.h"
#include "services/device-config/domain/memory_repo.h"

namespace fleet::devcfg {
namespace {

using ::testing::ElementsAre;

class ConfigServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(); }

  void Build(int retention = 3) {
    auto options = std::make_shared<ConfigOptions>();
    options->retention = retention;
    options->schemas = *ParseModelSchemas(R"({"gw-strict": {"/kafka/cluster": "string"}})");
    options_ = options;
    service_ = std::make_unique<ConfigService>(repo_, store_, clock_, options_);
    AddDevice("d1", "gw-200", "north", {{"site", "b1"}});
  }

  void AddDevice(const std::string& id, const std::string& model, const std::string& group,
                 std::map<std::string, std::string> labels = {}) {
    Device d;
    d.id = id;
    d.model = model;
    d.group = group;
    d.labels = std::move(labels);
    ASSERT_TRUE(repo_.Create(d, clock_.Now()).ok());
  }

  absl::StatusOr<ConfigVersion> Set(const std::string& body, std::optional<int64_t> expected = std::nullopt,
                                    const std::string& device = "d1") {
    return service_->SetDesired({.device = device, .body = body, .expected_version = expected,
                                 .author = "alice", .comment = "c"});
  }

  FakeClock clock_;
  MemoryDeviceRepo repo_;
  MemoryConfigStore store_;
  std::shared_ptr<const ConfigOptions> options_;
  std::unique_ptr<ConfigService> service_;
};

TEST_F(ConfigServiceTest, VersionsIncreaseAndBodiesAreCanonical) {
  auto v1 = Set(R"({ "b": 1, "a": {"y": 2, "x": 1} })");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->body, R"({"a":{"x":1,"y":2},"b":1})");
  EXPECT_EQ(v1->author, "alice");
  EXPECT_EQ(v1->create_time, clock_.Now());
  clock_.Advance(absl::Seconds(1));
  auto v2 = service_->SetDesired({.device = "devices/d1", .body = "{}", .author = "bob"});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  auto got = service_->GetVersion("d1", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *v1);
}

TEST_F(ConfigServiceTest, BatchGetAnswersAsGetForEachDeviceAndListsTheMissing) {
  AddDevice("d2", "gw-200", "south");
  ASSERT_TRUE(service_->PutTemplate("groups/south", R"({"log":"debug"})", 0, "ops").ok());
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  ASSERT_TRUE(service_->ReportApplied("d1", 1, "applied").ok());
  auto batch = service_->BatchGet({"devices/d2", "ghost", "d1", "devices/d2"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->views.size(), 2u);  // d2 once, in request order
  for (const auto& [view, id] : {std::pair{&batch->views[0], "d2"}, std::pair{&batch->views[1], "d1"}}) {
    auto one = service_->Get(id);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(view->state, one->state) << id;
    EXPECT_EQ(view->effective, one->effective) << id;
    EXPECT_EQ(view->effective_hash, one->effective_hash) << id;
    EXPECT_EQ(view->templates, one->templates) << id;
    EXPECT_EQ(view->sync_state, one->sync_state) << id;
  }
  EXPECT_EQ(batch->views[0].state.desired.device_id, "d2");
  EXPECT_EQ(batch->views[0].sync_state, SyncState::kNoConfig);
  EXPECT_EQ(batch->views[0].effective, R"({"log":"debug"})");
  EXPECT_EQ(batch->views[1].sync_state, SyncState::kInSync);
  EXPECT_THAT(batch->missing, ::testing::ElementsAre("ghost"));

  auto bad = service_->BatchGet({"d1", "devices/"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Metadata(bad.status())["field"], "devices");
  std::vector<std::string> many(ConfigService::kMaxBatchGet + 1, "d1");
  EXPECT_EQ(service_->BatchGet(many).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(service_->BatchGet({})->views.empty());
}

TEST_F(ConfigServiceTest, BadInputWritesNothing) {
  auto st = Set(R"({"a": [)").status();
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID");
  st = Set(R"({"a": {"b": 1, "b": 2}})").status();
  EXPECT_EQ(status::Metadata(st)["path"], "/a/b");
  st = service_->SetDesired({.device = "d1", .body = "{}", .author = ""}).status();
  EXPECT_EQ(status::Metadata(st)["field"], "author");
  st = service_->SetDesired({.device = "d1", .body = "{}", .author = "a\nb"}).status();
  EXPECT_EQ(status::Metadata(st)["field"], "author");
  st = Set("{}", std::nullopt, "nope").status();
  EXPECT_EQ(status::Reason(st), "DEVICE_NOT_FOUND");
  st = Set("{}", std::nullopt, "bad id!").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  auto view = service_->Get("d1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->state.desired.version, 0);
  EXPECT_EQ(view->state.desired.body, "{}");
}

TEST_F(ConfigServiceTest, ExpectedVersionGivesAborted) {
  ASSERT_TRUE(Set("{}", 0).ok());
  auto st = Set("{}", 0).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(st), "CONFIG_VERSION_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["current_version"], "1");
  EXPECT_TRUE(Set(R"({"a":1})", 1).ok());
  EXPECT_EQ(Set("{}", 5).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Set("{}", -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigServiceTest, ConcurrentSetWithSameExpectedVersionHasOneWinner) {
  ASSERT_TRUE(Set("{}").ok());
  std::atomic<int> won{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto v = Set(absl::StrCat(R"({"writer":)", i, "}"), 1);
      if (v.ok()) ++won;
      if (v.status().code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(aborted, 7);
  EXPECT_EQ(service_->Get("d1")->state.desired.version, 2);
}

TEST_F(ConfigServiceTest, RetentionKeepsNewestAndReported) {
  for (int i = 1; i <= 2; ++i) ASSERT_TRUE(Set(absl::StrCat(R"({"i":)", i, "}")).ok());
  ASSERT_TRUE(service_->ReportApplied("d1", 2, "applied").ok());
  for (int i = 3; i <= 7; ++i) ASSERT_TRUE(Set(absl::StrCat(R"({"i":)", i, "}")).ok());
  auto page = service_->ListVersions("d1", 0, 0);
  ASSERT_TRUE(page.ok());
  std::vector<int64_t> versions;
  for (const auto& v : page->items) versions.push_back(v.version);
  EXPECT_THAT(versions, ElementsAre(7, 6, 5, 2));
  EXPECT_EQ(status::Reason(service_->GetVersion("d1", 3).status()), "CONFIG_VERSION_NOT_FOUND");
  // Once the device reports a newer version, the old reported one goes at the next write.
  ASSERT_TRUE(service_->ReportApplied("d1", 7, "applied").ok());
  ASSERT_TRUE(Set(R"({"i":8})").ok());
  page = service_->ListVersions("d1", 0, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].version, 8);
  EXPECT_TRUE(page->more);
  page = service_->ListVersions("d1", 7, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].version, 6);
  EXPECT_FALSE(page->more);
  EXPECT_EQ(service_->ListVersions("d1", 0, 1001).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigServiceTest, DiffAndRollback) {
  ASSERT_TRUE(Set(R"({"a":1,"b":{"c":true}})").ok());
  ASSERT_TRUE(Set(R"({"a":2,"b":{},"d":"x"})").ok());
  auto diff = service_->Diff("d1", 1, 2);
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->size(), 3u);
  EXPECT_EQ((*diff)[0], (DiffEntry{DiffEntry::Op::kChanged, "/a", "1", "2"}));
  EXPECT_EQ((*diff)[1], (DiffEntry{DiffEntry::Op::kRemoved, "/b/c", "true", ""}));
  EXPECT_EQ((*diff)[2], (DiffEntry{DiffEntry::Op::kAdded, "/d", "", "\"x\""}));
  EXPECT_EQ(status::Reason(service_->Diff("d1", 1, 9).status()), "CONFIG_VERSION_NOT_FOUND");

  auto rb = service_->Rollback("d1", 1, 2, "carol", "");
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->version, 3);
  EXPECT_EQ(rb->body, R"({"a":1,"b":{"c":true}})");
  EXPECT_EQ(rb->comment, "rollback to version 1");
  EXPECT_EQ(rb->author, "carol");
  EXPECT_TRUE(service_->Diff("d1", 1, 3)->empty());
  EXPECT_EQ(service_->Rollback("d1", 1, 2, "carol", "").status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(service_->Rollback("d1", 42, std::nullopt, "c", "").status()),
            "CONFIG_VERSION_NOT_FOUND");
  EXPECT_EQ(service_->Rollback("d1", 0, std::nullopt, "c", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigServiceTest, EffectiveConfigLayersTemplates) {
  ASSERT_TRUE(service_->PutTemplate("global", R"({"kafka":{"cluster":"k0","acks":"all"},"log":"info"})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("groups/north", R"({"kafka":{"cluster":"k-north"}})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("groups/south", R"({"kafka":{"cluster":"k-south"}})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("labels/site=b1", R"({"log":"debug","site":{"id":1}})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("labels/site=b2", R"({"log":"warn"})", 0, "ops").ok());
  ASSERT_TRUE(Set(R"({"kafka":{"acks":null},"site":{"extra":true}})").ok());
  auto view = service_->Get("d1");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->effective, R"({"kafka":{"cluster":"k-north"},"log":"debug","site":{"extra":true,"id":1}})");
  EXPECT_EQ(view->effective_hash, Sha256Hex(view->effective));
  EXPECT_THAT(view->templates, ElementsAre("global", "groups/north", "labels/site=b1"));
  EXPECT_FALSE(view->in_sync);

  // A template change changes the effective config (and hash) without a new device version.
  std::string old_hash = view->effective_hash;
  auto g = service_->GetTemplate("global");
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(service_->PutTemplate("global", R"({"log":"info","ntp":"pool"})", g->revision, "ops").ok());
  view = service_->Get("d1");
  EXPECT_EQ(view->effective, R"({"kafka":{"cluster":"k-north"},"log":"debug","ntp":"pool","site":{"extra":true,"id":1}})");
  EXPECT_NE(view->effective_hash, old_hash);
  EXPECT_EQ(view->state.desired.version, 1);
}

TEST_F(ConfigServiceTest, ModelSchemaAppliesToTheEffectiveConfig) {
  AddDevice("s1", "gw-strict", "");
  auto st = Set(R"({"log":"x"})", std::nullopt, "s1").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID");
  EXPECT_EQ(status::Metadata(st)["path"], "/kafka/cluster");
  EXPECT_EQ(status::Metadata(st)["field"], "effective_config");
  EXPECT_EQ(status::Reason(Set(R"({"kafka":{"cluster":1}})", std::nullopt, "s1").status()), "CONFIG_INVALID");
  EXPECT_TRUE(Set(R"({"kafka":{"cluster":"k1"}})", std::nullopt, "s1").ok());
  // A template can supply the required member.
  ASSERT_TRUE(service_->PutTemplate("global", R"({"kafka":{"cluster":"k0"}})", std::nullopt, "ops").ok());
  EXPECT_TRUE(Set(R"({"log":"x"})", std::nullopt, "s1").ok());
  // ... but the device override may not delete it.
  EXPECT_EQ(status::Reason(Set(R"({"kafka":{"cluster":null}})", std::nullopt, "s1").status()), "CONFIG_INVALID");
  // Other models are unconstrained.
  EXPECT_TRUE(Set(R"({"kafka":{"cluster":null}})").ok());
}

TEST_F(ConfigServiceTest, EffectiveConfigSizeCap) {
  std::string half = std::string(40 * 1024, 'x');
  ASSERT_TRUE(service_->PutTemplate("global", absl::StrCat(R"({"t":")", half, "\"}"), 0, "ops").ok());
  auto st = Set(absl::StrCat(R"({"d":")", half, "\"}")).status();
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID");
  EXPECT_EQ(status::Metadata(st)["field"], "effective_config");
}

TEST_F(ConfigServiceTest, ReportAppliedNeverMovesBackwards) {
  EXPECT_EQ(status::Reason(service_->ReportApplied("d1", 1, "applied").status()), "CONFIG_VERSION_NOT_FOUND");
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  ASSERT_TRUE(Set(R"({"a":2})").ok());
  auto view = service_->Get("d1");
  auto s = service_->ReportApplied("d1", 2, "applied", view->effective_hash);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->reported_version, 2);
  EXPECT_EQ(s->reported_time, clock_.Now());
  EXPECT_TRUE(service_->Get("d1")->in_sync);
  clock_.Advance(absl::Seconds(5));
  s = service_->ReportApplied("d1", 1, "applied late");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reported_version, 2);
  EXPECT_EQ(s->reported_status, "applied");
  EXPECT_EQ(status::Reason(service_->ReportApplied("d1", 3, "x").status()), "CONFIG_VERSION_NOT_FOUND");
  EXPECT_EQ(service_->ReportApplied("d1", 0, "x").status().code(), absl::StatusCode::kInvalidArgument);
  // Same version again (e.g. re-applied after a template change) updates status and hash.
  s = service_->ReportApplied("d1", 2, "failed: disk full", "abc");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reported_status, "failed: disk full");
  EXPECT_FALSE(service_->Get("d1")->in_sync) << "hash differs from the effective one";
  ASSERT_TRUE(Set(R"({"a":3})").ok());
  EXPECT_FALSE(service_->Get("d1")->in_sync);
}

TEST_F(ConfigServiceTest, Templates) {
  auto t = service_->PutTemplate("groups/north", R"({"b":1, "a":null})", 0, "ops");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->body, R"({"a":null,"b":1})");
  EXPECT_GT(t->revision, 0);
  EXPECT_EQ(status::Reason(service_->PutTemplate("groups/north", "{}", 0, "ops").status()),
            "TEMPLATE_REVISION_MISMATCH");
  EXPECT_EQ(service_->PutTemplate("groups/North", "{}", 0, "ops").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(service_->PutTemplate("global", "[1]", 0, "ops").status()), "CONFIG_INVALID");
  auto t2 = service_->PutTemplate("groups/north", "{}", t->revision, "ops");
  ASSERT_TRUE(t2.ok());
  EXPECT_NE(t2->revision, t->revision);
  EXPECT_EQ(status::Reason(service_->DeleteTemplate("groups/north", t->revision)), "TEMPLATE_REVISION_MISMATCH");
  auto all = service_->ListTemplates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE(service_->DeleteTemplate("groups/north", t2->revision).ok());
  EXPECT_EQ(status::Reason(service_->DeleteTemplate("groups/north", std::nullopt)), "TEMPLATE_NOT_FOUND");
  EXPECT_EQ(status::Reason(service_->GetTemplate("groups/north").status()), "TEMPLATE_NOT_FOUND");
}

TEST_F(ConfigServiceTest, BackendErrorsPassThrough) {
  store_.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(Set("{}").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->Get("d1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->ReportApplied("d1", 1, "x").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

struct RecordingListener : DesiredVersionListener {
  void OnNewDesiredVersion(const std::string& device_id, int64_t version) override {
    seen.push_back(absl::StrCat(device_id, "@", version));
  }
  std::vector<std::string> seen;
};

TEST_F(ConfigServiceTest, ListenerHearsEveryStoredVersionOnly) {
  RecordingListener listener;
  service_->SetListener(&listener);
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  ASSERT_FALSE(Set(R"({"a":2})", /*expected=*/7).ok());  // conflict: nothing stored, nothing heard
  ASSERT_FALSE(Set("[1]").ok());
  ASSERT_TRUE(service_->Rollback("d1", 1, std::nullopt, "bob", "").ok());
  ASSERT_TRUE(service_->Get("d1").ok());  // reads never trigger
  EXPECT_THAT(listener.seen, ElementsAre("d1@1", "d1@2"));
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

struct TemplateListener : DesiredVersionListener {
  void OnNewDesiredVersion(const std::string&, int64_t) override {}
  void OnTemplateChanged(const std::string& name) override { seen.push_back(name); }
  std::vector<std::string> seen;
};

TEST_F(ConfigServiceTest, TemplateChangesAreHeardAndEnumerateTheirDevices) {
  TemplateListener listener;
  service_->SetListener(&listener);
  AddDevice("d2", "gw-200", "south");
  AddDevice("d3", "gw-200", "north");
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  ASSERT_TRUE(Set(R"({"a":1})", std::nullopt, "d2").ok());
  ASSERT_TRUE(service_->PutTemplate("groups/north", R"({"b":1})", 0, "alice").ok());
  ASSERT_FALSE(service_->PutTemplate("groups/north", R"({"b":2})", 0, "alice").ok());  // conflict: not heard
  ASSERT_TRUE(service_->DeleteTemplate("groups/north", std::nullopt).ok());
  EXPECT_THAT(listener.seen, ElementsAre("groups/north", "groups/north"));
  std::vector<std::string> devices;
  ASSERT_TRUE(service_->ForEachDeviceOfTemplate("groups/north", [&](const std::string& d, int64_t v) {
    devices.push_back(absl::StrCat(d, "@", v));
  }).ok());
  EXPECT_THAT(devices, ElementsAre("d1@1"));  // d3 is in north but has no version; d2 is south
  devices.clear();
  ASSERT_TRUE(service_->ForEachDeviceOfTemplate("global", [&](const std::string& d, int64_t v) {
    devices.push_back(absl::StrCat(d, "@", v));
  }).ok());
  EXPECT_THAT(devices, ElementsAre("d1@1", "d2@1"));
  EXPECT_FALSE(service_->ForEachDeviceOfTemplate("nope/x", [](const std::string&, int64_t) {}).ok());
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

TEST_F(ConfigServiceTest, FailedApplyShowsAsFailedUntilAppliedOrSuperseded) {
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  ASSERT_TRUE(service_->ReportApplied("d1", 1, "applied").ok());
  ASSERT_TRUE(Set(R"({"a":2})").ok());
  EXPECT_EQ(service_->Get("d1")->sync_state, SyncState::kPending);

  auto s = service_->ReportFailed("d1", 2, "disk\nfull");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->failed_version, 2);
  EXPECT_EQ(s->failed_reason, "disk full") << "control characters from the device are replaced";
  EXPECT_EQ(s->reported_version, 1) << "a failure never moves reported";
  auto view = service_->Get("d1");
  EXPECT_EQ(view->sync_state, SyncState::kFailed);
  EXPECT_FALSE(view->in_sync);

  // A late failure of an older version changes nothing.
  ASSERT_TRUE(service_->ReportFailed("d1", 1, "old").ok());
  EXPECT_EQ(service_->Get("d1")->state.failed_reason, "disk full");

  // A newer desired version is pending again (the failure was about version 2).
  ASSERT_TRUE(Set(R"({"a":3})").ok());
  EXPECT_EQ(service_->Get("d1")->sync_state, SyncState::kPending);
  // Applying it clears the failure.
  ASSERT_TRUE(service_->ReportApplied("d1", 3, "applied").ok());
  view = service_->Get("d1");
  EXPECT_EQ(view->sync_state, SyncState::kInSync);
  EXPECT_EQ(view->state.failed_version, 0);
  EXPECT_EQ(view->state.failed_reason, "");

  EXPECT_EQ(status::Reason(service_->ReportFailed("d1", 9, "x").status()), "CONFIG_VERSION_NOT_FOUND");
  EXPECT_EQ(service_->ReportFailed("d1", 0, "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigServiceTest, ReconnectPushesOnlyWhenNotInSync) {
  EXPECT_EQ(*service_->VersionToPushOnReconnect("d1"), 0) << "no desired version";
  EXPECT_EQ(*service_->VersionToPushOnReconnect("unknown-device"), 0) << "unregistered";
  ASSERT_TRUE(Set(R"({"a":1})").ok());
  EXPECT_EQ(*service_->VersionToPushOnReconnect("d1"), 1);
  ASSERT_TRUE(service_->ReportApplied("d1", 1, "applied").ok());
  EXPECT_EQ(*service_->VersionToPushOnReconnect("d1"), 0) << "in sync: a reconnect pushes nothing";
  ASSERT_TRUE(Set(R"({"a":2})").ok());
  ASSERT_TRUE(service_->ReportFailed("d1", 2, "busy").ok());
  EXPECT_EQ(*service_->VersionToPushOnReconnect("d1"), 2) << "a failed version is retried on reconnect";
  store_.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(service_->VersionToPushOnReconnect("d1").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ConfigServiceTest, TemplateThatBreaksADevicesEffectiveConfigIsRefused) {
  AddDevice("strict-1", "gw-strict", "north");
  AddDevice("strict-2", "gw-strict", "south");
  // strict-1's required key comes from the global template only.
  ASSERT_TRUE(service_->PutTemplate("global", R"({"kafka":{"cluster":"k0"}})", std::nullopt, "ops").ok());
  ASSERT_TRUE(Set(R"({"ntp":"a"})", std::nullopt, "strict-1").ok());
  EXPECT_EQ(status::Reason(service_->PutTemplate("global", R"({})", std::nullopt, "ops").status()),
            "CONFIG_INVALID");
  // Deleting the required key through the north group template breaks strict-1.
  absl::Status st = service_->PutTemplate("groups/north", R"({"kafka":null})", std::nullopt, "ops").status();
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID") << st;
  EXPECT_EQ(status::Metadata(st)["device"], "strict-1");
  EXPECT_EQ(status::Reason(service_->GetTemplate("groups/north").status()), "TEMPLATE_NOT_FOUND") << "not stored";
  // The south group has no configured strict device: the same body is accepted there.
  EXPECT_TRUE(service_->PutTemplate("groups/south", R"({"kafka":null})", std::nullopt, "ops").ok());
  // A template harmless to every device is accepted.
  EXPECT_TRUE(service_->PutTemplate("groups/north", R"({"ntp":"pool.ntp.org"})", std::nullopt, "ops").ok());
}

}  // namespace
}  // namespace fleet::devcfg
