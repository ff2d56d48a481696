// The same configuration scenarios against the in-memory reference store and real PostgreSQL:
// they must agree.
#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/status/status.h"
#include "libs/testing/servers.h"
#include "services/device-config/domain/config_service.h"
#include "services/device-config/domain/memory_config_store.h"
#include "services/device-config/domain/memory_repo.h"
#include "services/device-config/storage/pg_config_store.h"
#include "services/device-config/storage/pg_device_repo.h"

namespace fleet::devcfg {
namespace {

using ::testing::ElementsAre;

class ConfigContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    auto pool = pg::Pool::Connect({.url = server_->url(), .pool_size = 12});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
    // A database migrated by the registry-only binary upgrades in place; migrating is idempotent.
    ASSERT_TRUE(pg::Migrate(*pool_, RegistryMigrations()).ok());
    absl::Status st = pg::Migrate(*pool_, DeviceConfigMigrations());
    ASSERT_TRUE(st.ok()) << st;
    ASSERT_TRUE(pg::Migrate(*pool_, DeviceConfigMigrations()).ok());
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "memory") {
      memory_repo_ = std::make_unique<MemoryDeviceRepo>();
      memory_store_ = std::make_unique<MemoryConfigStore>(memory_repo_.get());
      repo_ = memory_repo_.get();
      store_ = memory_store_.get();
    } else {
      ASSERT_NE(pool_, nullptr);
      ASSERT_TRUE(pool_
                      ->InTransaction([](pqxx::work& tx) {
                        tx.exec("TRUNCATE devices, device_config, device_config_versions, config_templates");
                        return absl::OkStatus();
                      })
                      .ok());
      pg_repo_ = std::make_unique<PgDeviceRepo>(*pool_);
      pg_store_ = std::make_unique<PgConfigStore>(*pool_);
      repo_ = pg_repo_.get();
      store_ = pg_store_.get();
    }
    auto options = std::make_shared<ConfigOptions>();
    options->retention = 3;
    service_ = std::make_unique<ConfigService>(*repo_, *store_, clock_, options);
    AddDevice("d1", "north", {{"site", "b1"}});
    AddDevice("d2", "south", {});
  }

  void AddDevice(const std::string& id, const std::string& group, std::map<std::string, std::string> labels) {
    Device d;
    d.id = id;
    d.model = "gw-200";
    d.group = group;
    d.labels = std::move(labels);
    ASSERT_TRUE(repo_->Create(d, clock_.Now()).ok());
  }

  ConfigVersion V(const std::string& device, const std::string& body) {
    ConfigVersion v;
    v.device_id = device;
    v.body = body;
    v.author = "alice";
    v.comment = "c";
    v.create_time = Now();
    return v;
  }
  absl::Time Now() { return absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())); }
  std::vector<int64_t> Versions(const std::string& device) {
    auto page = store_->ListVersions(device, 0, 1000);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<int64_t> out;
    if (page.ok()) {
      for (const auto& v : page->items) out.push_back(v.version);
    }
    return out;
  }

  static testing::PostgresServer* server_;
  static pg::Pool* pool_;
  FakeClock clock_{absl::FromUnixMicros(1'800'000'000'123'456)};
  std::unique_ptr<MemoryDeviceRepo> memory_repo_;
  std::unique_ptr<MemoryConfigStore> memory_store_;
  std::unique_ptr<PgDeviceRepo> pg_repo_;
  std::unique_ptr<PgConfigStore> pg_store_;
  DeviceRepo* repo_ = nullptr;
  ConfigStore* store_ = nullptr;
  std::unique_ptr<ConfigService> service_;
};

testing::PostgresServer* ConfigContractTest::server_ = nullptr;
pg::Pool* ConfigContractTest::pool_ = nullptr;

TEST_P(ConfigContractTest, AppendAndRead) {
  auto none = store_->GetState("d1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  auto v1 = store_->Append(V("d1", R"({"a":1})"), 0, 3);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version, 1);
  clock_.Advance(absl::Milliseconds(1500));
  auto v2 = store_->Append(V("d1", R"({"a":2})"), std::nullopt, 3);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->version, 2);
  auto state = store_->GetState("d1");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->desired, *v2);
  EXPECT_EQ((*state)->reported_version, 0);
  EXPECT_EQ((*state)->reported_time, absl::InfinitePast());
  auto got = store_->GetVersion("d1", 1);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, *v1);
  EXPECT_FALSE(store_->GetVersion("d1", 3)->has_value());
  EXPECT_FALSE(store_->GetVersion("d2", 1)->has_value());
  EXPECT_THAT(Versions("d1"), ElementsAre(2, 1));
  EXPECT_TRUE(Versions("d2").empty());
}

TEST_P(ConfigContractTest, GetStatesReadsTheStatesOfManyDevicesAtOnce) {
  ASSERT_TRUE(store_->Append(V("d1", R"({"a":1})"), 0, 3).ok());
  ASSERT_TRUE(store_->Append(V("d1", R"({"a":2})"), 1, 3).ok());
  ASSERT_TRUE(store_->Report("d1", 1, "applied", "h1", Now()).ok());
  auto states = store_->GetStates({"d1", "d2", "ghost"});  // d2 has no version; ghost does not exist
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0], **store_->GetState("d1"));
  EXPECT_EQ((*states)[0].desired.version, 2);
  EXPECT_EQ((*states)[0].reported_version, 1);
  ASSERT_TRUE(store_->Append(V("d2", "{}"), 0, 3).ok());
  states = store_->GetStates({"d2", "d1"});
  ASSERT_TRUE(states.ok()) << states.status();
  std::vector<std::string> ids;
  for (const ConfigState& st : *states) ids.push_back(st.desired.device_id);
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("d1", "d2"));
  states = store_->GetStates({});
  ASSERT_TRUE(states.ok());
  EXPECT_TRUE(states->empty());
}

TEST_P(ConfigContractTest, ExpectedVersionAndUnknownDevice) {
  auto st = store_->Append(V("d1", "{}"), 1, 3).status();
  EXPECT_EQ(status::Reason(st), "CONFIG_VERSION_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["current_version"], "0");
  ASSERT_TRUE(store_->Append(V("d1", "{}"), 0, 3).ok());
  st = store_->Append(V("d1", "{}"), 0, 3).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Metadata(st)["current_version"], "1");
  EXPECT_EQ(status::Reason(store_->Append(V("ghost", "{}"), std::nullopt, 3).status()), "DEVICE_NOT_FOUND");
  EXPECT_FALSE(store_->GetState("ghost")->has_value());
  EXPECT_EQ(store_->GetState("d1").value()->desired.version, 1);
}

TEST_P(ConfigContractTest, RetentionKeepsNewestAndReported) {
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 3).ok());
  ASSERT_TRUE(store_->Report("d1", 2, "applied", "h", Now()).ok());
  for (int i = 4; i <= 8; ++i) ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 3).ok());
  EXPECT_THAT(Versions("d1"), ElementsAre(8, 7, 6, 2));
  ASSERT_TRUE(store_->Report("d1", 8, "applied", "h", Now()).ok());
  ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 1).ok());
  EXPECT_THAT(Versions("d1"), ElementsAre(9, 8));
  auto page = store_->ListVersions("d1", 9, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].version, 8);
  EXPECT_FALSE(page->more);
  page = store_->ListVersions("d1", 0, 1);
  EXPECT_TRUE(page->more);
}

TEST_P(ConfigContractTest, ReportNeverMovesBackwards) {
  EXPECT_EQ(status::Reason(store_->Report("d1", 1, "x", "", Now()).status()), "CONFIG_VERSION_NOT_FOUND");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 10).ok());
  auto s = store_->Report("d1", 2, "applied", "h2", Now());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->reported_version, 2);
  EXPECT_EQ(s->reported_hash, "h2");
  EXPECT_EQ(s->reported_time, Now());
  const absl::Time t2 = Now();
  clock_.Advance(absl::Seconds(1));
  s = store_->Report("d1", 1, "late", "h1", Now());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reported_version, 2);
  EXPECT_EQ(s->reported_status, "applied");
  EXPECT_EQ(s->reported_time, t2);
  EXPECT_EQ(status::Reason(store_->Report("d1", 4, "x", "", Now()).status()), "CONFIG_VERSION_NOT_FOUND");
  s = store_->Report("d1", 2, "failed: x", "h2b", Now());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reported_status, "failed: x");
  EXPECT_EQ(s->reported_time, Now());
  auto state = store_->GetState("d1");
  EXPECT_EQ(**state, *s);
}

TEST_P(ConfigContractTest, ReportFailedRecordsNewestFailureAndSuccessClearsIt) {
  EXPECT_EQ(status::Reason(store_->ReportFailed("d1", 1, "x", Now()).status()), "CONFIG_VERSION_NOT_FOUND");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 10).ok());
  ASSERT_TRUE(store_->Report("d1", 1, "applied", "", Now()).ok());
  auto s = store_->ReportFailed("d1", 3, "no space", Now());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->failed_version, 3);
  EXPECT_EQ(s->failed_reason, "no space");
  EXPECT_EQ(s->failed_time, Now());
  EXPECT_EQ(s->reported_version, 1);
  const absl::Time t3 = Now();
  clock_.Advance(absl::Seconds(1));
  // An older failure, or a failure of what is already applied, changes nothing.
  s = store_->ReportFailed("d1", 2, "older", Now());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->failed_version, 3);
  EXPECT_EQ(s->failed_time, t3);
  s = store_->ReportFailed("d1", 1, "applied one", Now());
  EXPECT_EQ(s->failed_reason, "no space");
  EXPECT_EQ(status::Reason(store_->ReportFailed("d1", 5, "x", Now()).status()), "CONFIG_VERSION_NOT_FOUND");
  // Success below the failed version keeps the failure; at or above it clears it.
  s = store_->Report("d1", 2, "applied", "", Now());
  EXPECT_EQ(s->failed_version, 3);
  s = store_->Report("d1", 4, "applied", "", Now());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->failed_version, 0);
  EXPECT_EQ(s->failed_reason, "");
  EXPECT_EQ(s->failed_time, absl::InfinitePast());
  EXPECT_EQ(**store_->GetState("d1"), *s);
}

TEST_P(ConfigContractTest, Templates) {
  ConfigTemplate t{.name = "groups/north", .body = R"({"a":1})", .author = "ops"};
  auto t1 = store_->PutTemplate(t, 0, Now());
  ASSERT_TRUE(t1.ok()) << t1.status();
  EXPECT_GT(t1->revision, 0);
  EXPECT_EQ(t1->update_time, Now());
  auto st = store_->PutTemplate(t, 0, Now()).status();
  EXPECT_EQ(status::Reason(st), "TEMPLATE_REVISION_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["current_revision"], std::to_string(t1->revision));
  EXPECT_EQ(status::Metadata(store_->PutTemplate({.name = "global"}, 5, Now()).status())["current_revision"], "0");
  t.body = R"({"a":2})";
  auto t2 = store_->PutTemplate(t, t1->revision, Now());
  ASSERT_TRUE(t2.ok()) << t2.status();
  EXPECT_GT(t2->revision, t1->revision);
  auto t3 = store_->PutTemplate({.name = "global", .body = "{}", .author = "ops"}, std::nullopt, Now());
  ASSERT_TRUE(t3.ok());
  auto t4 = store_->PutTemplate({.name = "global", .body = R"({"x":null})", .author = "ops"}, std::nullopt, Now());
  ASSERT_TRUE(t4.ok());
  EXPECT_GT(t4->revision, t3->revision);
  auto all = store_->ListTemplates();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre(*t4, *t2));
  EXPECT_EQ(**store_->GetTemplate("global"), *t4);
  EXPECT_FALSE(store_->GetTemplate("labels/a=b")->has_value());
  EXPECT_EQ(status::Reason(store_->DeleteTemplate("global", t3->revision)), "TEMPLATE_REVISION_MISMATCH");
  EXPECT_TRUE(store_->DeleteTemplate("global", t4->revision).ok());
  EXPECT_EQ(status::Reason(store_->DeleteTemplate("global", std::nullopt)), "TEMPLATE_NOT_FOUND");
  EXPECT_TRUE(store_->DeleteTemplate("groups/north", std::nullopt).ok());
  EXPECT_TRUE(store_->ListTemplates()->empty());
}

TEST_P(ConfigContractTest, ConcurrentSetDesiredWithSameExpectedVersionHasOneWinner) {
  ASSERT_TRUE(service_->SetDesired({.device = "d1", .body = "{}", .author = "a"}).ok());
  for (int round = 0; round < 5; ++round) {
    const int64_t expected = 1 + round;
    std::atomic<int> won{0}, aborted{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        auto v = service_->SetDesired(
            {.device = "d1", .body = absl::StrCat(R"({"w":)", i, "}"), .expected_version = expected, .author = "a"});
        if (v.ok()) {
          ++won;
        } else if (v.status().code() == absl::StatusCode::kAborted) {
          ++aborted;
        } else {
          ++other;
          ADD_FAILURE() << v.status();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won, 1) << "round " << round;
    EXPECT_EQ(aborted, 7);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(store_->GetState("d1").value()->desired.version, expected + 1);
  }
  EXPECT_THAT(Versions("d1"), ElementsAre(6, 5, 4));
}

TEST_P(ConfigContractTest, ServiceEndToEnd) {
  ASSERT_TRUE(service_->PutTemplate("global", R"({"kafka":{"cluster":"k0"},"log":"info"})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("groups/north", R"({"kafka":{"cluster":"k1"}})", 0, "ops").ok());
  ASSERT_TRUE(service_->PutTemplate("labels/site=b1", R"({"log":null})", 0, "ops").ok());
  ASSERT_TRUE(service_->SetDesired({.device = "d1", .body = R"({"x":[1,2]})", .author = "a"}).ok());
  ASSERT_TRUE(service_->SetDesired({.device = "d1", .body = R"({"x":[3]})", .expected_version = 1, .author = "a"}).ok());
  auto view = service_->Get("d1");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->effective, R"({"kafka":{"cluster":"k1"},"x":[3]})");
  EXPECT_THAT(view->templates, ElementsAre("global", "groups/north", "labels/site=b1"));
  auto d2 = service_->Get("d2");
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->effective, R"({"kafka":{"cluster":"k0"},"log":"info"})");
  EXPECT_EQ(d2->state.desired.version, 0);
  ASSERT_TRUE(service_->ReportApplied("d1", 2, "applied", view->effective_hash).ok());
  EXPECT_TRUE(service_->Get("d1")->in_sync);
  auto rb = service_->Rollback("d1", 1, 2, "b", "");
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->body, R"({"x":[1,2]})");
  auto diff = service_->Diff("d1", 2, 3);
  ASSERT_TRUE(diff.ok());
  ASSERT_EQ(diff->size(), 1u);
  EXPECT_EQ((*diff)[0].path, "/x");
  EXPECT_FALSE(service_->Get("d1")->in_sync);
}

// PostgreSQL only: the in-memory model does not own the device lifecycle.
TEST_P(ConfigContractTest, DeletingADeviceDeletesItsConfiguration) {
  if (GetParam() != "pg") GTEST_SKIP() << "PostgreSQL cascade";
  ASSERT_TRUE(store_->Append(V("d1", "{}"), std::nullopt, 3).ok());
  ASSERT_TRUE(store_->Report("d1", 1, "applied", "", Now()).ok());
  ASSERT_TRUE(repo_->Delete("d1", std::nullopt).ok());
  EXPECT_FALSE(store_->GetState("d1")->has_value());
  EXPECT_TRUE(Versions("d1").empty());
  AddDevice("d1", "north", {});
  auto v = store_->Append(V("d1", "{}"), 0, 3);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->version, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConfigContractTest, ::testing::Values("memory", "pg"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::devcfg
