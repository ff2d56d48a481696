// The same scenarios against the in-memory reference repo and real PostgreSQL: they must agree.
#include <atomic>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/status/status.h"
#include "libs/testing/servers.h"
#include "libs/clock/fake_clock.h"
#include "services/device-config/domain/memory_repo.h"
#include "services/device-config/domain/registry.h"
#include "services/device-config/storage/pg_device_repo.h"

namespace fleet::devcfg {

void PrintTo(const Device& d, std::ostream* os) {
  *os << d.id << "{rev=" << d.revision << " model=" << d.model << " group=" << d.group
      << " labels=" << d.labels.size() << " created=" << absl::FormatTime(d.create_time) << "}";
}

namespace {

using ::testing::ElementsAreArray;

class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    auto pool = pg::Pool::Connect({.url = server_->url(), .pool_size = 12});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
    ASSERT_TRUE(pg::Migrate(*pool_, RegistryMigrations()).ok());
    ASSERT_TRUE(pg::Migrate(*pool_, RegistryMigrations()).ok());  // idempotent
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "memory") {
      memory_ = std::make_unique<MemoryDeviceRepo>();
      repo_ = memory_.get();
    } else {
      ASSERT_NE(pool_, nullptr);
      ASSERT_TRUE(pool_
                      ->InTransaction([](pqxx::work& tx) {
                        tx.exec("TRUNCATE devices");
                        return absl::OkStatus();
                      })
                      .ok());
      // A small chunk so imports span several statements.
      pg_ = std::make_unique<PgDeviceRepo>(*pool_, 7);
      repo_ = pg_.get();
    }
    registry_ = std::make_unique<Registry>(*repo_, clock_);
  }

  static Device Make(std::string id, std::map<std::string, std::string> labels = {}) {
    Device d;
    d.id = std::move(id);
    d.model = "gw-200";
    d.labels = std::move(labels);
    return d;
  }
  absl::Time Now() { return absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())); }
  // Every device, by id.
  std::vector<Device> All() {
    auto page = repo_->List(nullptr, "", 100000);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<Device>{};
  }

  static inline testing::PostgresServer* server_ = nullptr;
  static inline pg::Pool* pool_ = nullptr;
  FakeClock clock_{absl::FromUnixMicros(1'800'000'000'123'456)};
  std::unique_ptr<MemoryDeviceRepo> memory_;
  std::unique_ptr<PgDeviceRepo> pg_;
  DeviceRepo* repo_ = nullptr;
  std::unique_ptr<Registry> registry_;
};

TEST_P(ContractTest, CreateGetBatchGetRoundTripEveryField) {
  Device in = Make("gw-1", {{"site", "sh-01"}, {"example.com/rack", "r 1:a@b+c"}});
  in.display_name = "Hall \"3\" \\ — ünïcode";
  in.hardware_revision = "B.2";
  in.group = "north";
  auto created = repo_->Create(in, Now());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->create_time, Now());
  EXPECT_EQ(created->update_time, Now());
  EXPECT_GT(created->revision, 0);
  Device expected = in;
  expected.create_time = expected.update_time = Now();
  expected.revision = created->revision;
  EXPECT_EQ(*created, expected);
  EXPECT_EQ(**repo_->Get("gw-1"), expected);
  EXPECT_FALSE(repo_->Get("gw-2")->has_value());
  absl::Status st = repo_->Create(in, Now()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status::Reason(st), "DEVICE_ALREADY_EXISTS");
  ASSERT_TRUE(repo_->Create(Make("gw-0"), Now()).ok());
  auto batch = repo_->BatchGet(std::vector<std::string>{"gw-1", "nope", "gw-0"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0], expected);
  EXPECT_EQ((*batch)[1].id, "gw-0");
  EXPECT_TRUE(repo_->BatchGet({})->empty());
}

TEST_P(ContractTest, UpdateChecksTheRevisionAtomically) {
  Device d = *repo_->Create(Make("gw-1", {{"a", "1"}}), Now());
  clock_.Advance(absl::Seconds(3));
  Device changed = d;
  changed.model = "gw-300";
  changed.labels = {{"b", "2"}};
  changed.group = "south";
  auto u = repo_->Update(changed, d.revision, Now());
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->model, "gw-300");
  EXPECT_EQ(u->labels, changed.labels);
  EXPECT_EQ(u->create_time, d.create_time);
  EXPECT_EQ(u->update_time, Now());
  EXPECT_GT(u->revision, d.revision);
  EXPECT_EQ(**repo_->Get("gw-1"), *u);
  absl::Status st = repo_->Update(changed, d.revision, Now()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(st), "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["etag"], EtagOf(u->revision));
  st = repo_->Update(Make("nope"), 1, Now()).status();
  EXPECT_EQ(status::Reason(st), "DEVICE_NOT_FOUND");
}

TEST_P(ContractTest, DeleteWithAndWithoutRevision) {
  Device d = *repo_->Create(Make("a"), Now());
  ASSERT_TRUE(repo_->Create(Make("b"), Now()).ok());
  EXPECT_EQ(status::Reason(repo_->Delete("a", d.revision + 1000)), "DEVICE_ETAG_MISMATCH");
  EXPECT_TRUE(repo_->Delete("a", d.revision).ok());
  EXPECT_TRUE(repo_->Delete("b", std::nullopt).ok());
  EXPECT_EQ(status::Reason(repo_->Delete("b", std::nullopt)), "DEVICE_NOT_FOUND");
  EXPECT_EQ(status::Reason(repo_->Delete("b", 5)), "DEVICE_NOT_FOUND");
  // Re-created devices get fresh revisions.
  Device again = *repo_->Create(Make("a"), Now());
  EXPECT_GT(again.revision, d.revision);
  EXPECT_TRUE(All().size() == 1);
}

TEST_P(ContractTest, ListIsKeysetPagedInBytewiseIdOrder) {
  std::vector<std::string> ids = {"b", "A", "a", "Z", "0", "a.b", "a-b", "a:b", "a_b", "aa", "9z"};
  for (const std::string& id : ids) ASSERT_TRUE(repo_->Create(Make(id), Now()).ok());
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> seen;
  std::string after;
  while (true) {
    auto page = repo_->List(nullptr, after, 3);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Device& d : page->items) seen.push_back(d.id);
    if (!page->more) break;
    ASSERT_EQ(page->items.size(), 3u);
    after = page->items.back().id;
  }
  EXPECT_THAT(seen, ElementsAreArray(ids));
  auto exact = repo_->List(nullptr, "", static_cast<int>(ids.size()));
  EXPECT_FALSE(exact->more);
}

// ~200 generated devices; every filter must select exactly what filter::Matches selects, page by
// page, on both backends.
TEST_P(ContractTest, FiltersAgreeWithTheReferenceSemantics) {
  std::mt19937 rng(7);
  const std::vector<std::string> models = {"gw-100", "gw-200", "gw-300"};
  const std::vector<std::string> groups = {"", "north", "south"};
  const std::vector<std::string> sites = {"sh-01", "sh-02", "bj-01"};
  std::vector<Device> devices;
  for (int i = 0; i < 200; ++i) {
    Device d = Make(absl::StrCat("dev-", 1000 + static_cast<int>(rng() % 9000), "-", i));
    d.model = models[rng() % models.size()];
    d.group = groups[rng() % groups.size()];
    d.hardware_revision = rng() % 4 ? "A" : "";
    if (rng() % 5) d.labels["site"] = sites[rng() % sites.size()];
    if (rng() % 3 == 0) d.labels["floor"] = std::to_string(rng() % 4);
    if (i % 17 == 0) d.display_name = "it's \"quoted\" \\ 100% _x_";
    if (i % 23 == 0) d.labels["example.com/rack"] = "r 1";
    devices.push_back(d);
  }
  auto imported = repo_->Import(devices, Now(), false);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_TRUE(imported->empty());
  const std::vector<std::string> filters = {
      "labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"",
      "labels.site = sh-01",
      "labels.site != sh-01",
      "NOT labels.site = sh-01",
      "labels.floor:*",
      "labels:floor",
      "NOT labels.floor:*",
      "group:*",
      "NOT group:*",
      "group = \"\"",
      "hardware_revision:* AND labels.floor = \"2\"",
      "(model = gw-100 OR model = gw-300) AND NOT (labels.site = bj-01 OR labels.floor = 0)",
      "model = gw-100 OR model = gw-200 OR model = gw-300",
      "model = GW-100",
      "display_name = \"it's \\\"quoted\\\" \\\\ 100% _x_\"",
      "display_name = \"%\"",
      "labels.site = \"x' OR '1'='1\"",
      "labels.example.com/rack = \"r 1\"",
      "id = dev-1234-5 OR id != dev-1234-5",
      "labels.floor != 1 AND labels.floor:*",
      "NOT (NOT model = gw-200 AND NOT group = south)",
      "labels.nosuchkey:* OR labels.nosuchkey = \"\"",
  };
  int selective = 0;  // filters that select some but not all devices
  for (const std::string& text : filters) {
    auto expr = filter::Parse(text);
    ASSERT_TRUE(expr.ok() && expr->has_value()) << text << " " << expr.status();
    std::vector<std::string> want;
    for (const Device& d : devices) {
      if (filter::Matches(**expr, d)) want.push_back(d.id);
    }
    std::sort(want.begin(), want.end());
    if (!want.empty() && want.size() < devices.size()) ++selective;
    std::vector<std::string> got;
    std::string after;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = repo_->List(&**expr, after, 37);
      ASSERT_TRUE(page.ok()) << text << ": " << page.status();
      for (const Device& d : page->items) got.push_back(d.id);
      if (!page->more) break;
      after = page->items.back().id;
    }
    EXPECT_THAT(got, ElementsAreArray(want)) << text;
  }
  EXPECT_GE(selective, 15);
}

TEST_P(ContractTest, ConcurrentConflictingUpdatesHaveExactlyOneWinner) {
  Device d = *repo_->Create(Make("gw-1"), Now());
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, aborted{0}, other{0};
  std::vector<int64_t> winner(kWriters, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      Device mine = d;
      mine.display_name = absl::StrCat("writer ", i);
      auto r = repo_->Update(mine, d.revision, Now());
      if (r.ok()) {
        ++ok;
        winner[i] = r->revision;
      } else if (status::Reason(r.status()) == "DEVICE_ETAG_MISMATCH") {
        ++aborted;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(aborted, kWriters - 1);
  EXPECT_EQ(other, 0);
  Device now = **repo_->Get("gw-1");
  const int w = static_cast<int>(std::find_if(winner.begin(), winner.end(), [](int64_t r) { return r; }) -
                                 winner.begin());
  EXPECT_EQ(now.revision, winner[w]);
  EXPECT_EQ(now.display_name, absl::StrCat("writer ", w));
}

TEST_P(ContractTest, ImportIsAllOrNothing) {
  ASSERT_TRUE(repo_->Create(Make("taken-1"), Now()).ok());
  ASSERT_TRUE(repo_->Create(Make("taken-2"), Now()).ok());
  std::vector<Device> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Make(absl::StrCat("new-", i), {{"i", std::to_string(i)}}));
  batch.insert(batch.begin() + 3, Make("taken-2"));
  batch.push_back(Make("taken-1"));  // in the last chunk
  const std::vector<Device> before = All();
  auto r = repo_->Import(batch, Now(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ::testing::ElementsAre(3u, 31u));
  EXPECT_EQ(All(), before);
  // Dry run: reports, writes nothing.
  batch.erase(batch.begin() + 3);
  batch.pop_back();
  r = repo_->Import(batch, Now(), true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(All(), before);
  // For real.
  clock_.Advance(absl::Minutes(1));
  r = repo_->Import(batch, Now(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(All().size(), 32u);
  Device d = **repo_->Get("new-17");
  EXPECT_EQ(d.labels.at("i"), "17");
  EXPECT_EQ(d.create_time, Now());
  EXPECT_GT(d.revision, 0);
}

// Through the use cases: every kind of bad input is rejected with a clear error and writes
// nothing, whatever the backend.
TEST_P(ContractTest, BadInputWritesNothing) {
  ASSERT_TRUE(registry_->Create(Make("gw-1", {{"site", "a"}})).ok());
  ASSERT_TRUE(registry_->Create(Make("gw-2")).ok());
  const std::vector<Device> before = All();
  auto reason = [](const absl::Status& st) { return status::Reason(st); };
  Device bad = Make("gw-3");
  bad.labels["BAD"] = "x";
  EXPECT_EQ(reason(registry_->Create(bad).status()), "INVALID_FIELD");
  EXPECT_EQ(reason(registry_->Create(Make("gw-1")).status()), "DEVICE_ALREADY_EXISTS");
  EXPECT_EQ(reason(registry_->Update(Make("gw-1", {{"site", "bad\"value"}}), {"labels"}, "").status()),
            "INVALID_FIELD");
  EXPECT_EQ(reason(registry_->Update(Make("gw-1"), {"model"}, "\"r999999\"").status()),
            "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(reason(registry_->Update(Make("gw-9"), {"model"}, "").status()), "DEVICE_NOT_FOUND");
  EXPECT_EQ(reason(registry_->Delete("gw-1", "\"r999999\"")), "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(reason(registry_->List({.filter = "labels.site = "}).status()), "INVALID_FILTER");
  EXPECT_EQ(reason(registry_->List({.page_token = "bogus"}).status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(reason(registry_->Import(ImportFormat::kCsv, "id,model\ngw-5,m\ngw-1,m\n", false).status()),
            "IMPORT_ROWS_INVALID");
  EXPECT_EQ(reason(registry_->Import(ImportFormat::kJsonLines, "{\"id\":\"gw-6\"}\n{oops\n", false).status()),
            "IMPORT_ROWS_INVALID");
  EXPECT_EQ(All(), before);
  // And the happy path still works on the same data.
  auto page = registry_->List({.page_size = 1, .filter = "labels.site = a OR model = gw-200"});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->devices.size(), 1u);
  page = registry_->List({.page_size = 1,
                          .page_token = page->next_page_token,
                          .filter = "labels.site = \"a\" OR model = \"gw-200\""});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->devices[0].id, "gw-2");
  EXPECT_TRUE(page->next_page_token.empty());
}

INSTANTIATE_TEST_SUITE_P(Repos, ContractTest, ::testing::Values("memory", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::devcfg
