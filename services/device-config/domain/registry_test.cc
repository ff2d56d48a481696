#include "services/device-config/domain/registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/clock/fake_clock.h"
#include "services/device-config/domain/memory_repo.h"

namespace fleet::devcfg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Lets a test run code just before the repo's next Update (a concurrent writer).
class InterferingRepo : public MemoryDeviceRepo {
 public:
  std::function<void()> before_update;
  absl::StatusOr<Device> Update(const Device& d, int64_t expected, absl::Time now) override {
    if (before_update) {
      auto f = std::move(before_update);
      before_update = nullptr;
      f();
    }
    ++updates;
    return MemoryDeviceRepo::Update(d, expected, now);
  }
  int updates = 0;
};

class RegistryTest : public ::testing::Test {
 protected:
  Device Make(std::string id, std::string model = "gw-200", std::string group = "north",
              std::map<std::string, std::string> labels = {}) {
    Device d;
    d.id = std::move(id);
    d.model = std::move(model);
    d.group = std::move(group);
    d.labels = std::move(labels);
    return d;
  }
  Device MustCreate(Device d) {
    auto r = registry_.Create(d);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Device{};
  }
  static void ExpectError(const absl::Status& st, absl::StatusCode code, std::string_view reason) {
    EXPECT_EQ(st.code(), code) << st;
    EXPECT_EQ(status::Reason(st), reason) << st;
  }

  FakeClock clock_;
  InterferingRepo repo_;
  Registry registry_{repo_, clock_};
};

TEST_F(RegistryTest, CreateStoresValidatedDeviceAndIgnoresOutputOnlyFields) {
  Device in = Make("gw-1", "gw-200", "north", {{"site", "sh-01"}});
  in.revision = 99;
  in.create_time = absl::UnixEpoch();
  Device d = MustCreate(in);
  EXPECT_EQ(d.id, "gw-1");
  EXPECT_EQ(d.labels.at("site"), "sh-01");
  EXPECT_EQ(d.create_time, clock_.Now());
  EXPECT_EQ(d.update_time, clock_.Now());
  EXPECT_GT(d.revision, 0);
  EXPECT_NE(d.revision, 99);
  ExpectError(registry_.Create(in).status(), absl::StatusCode::kAlreadyExists, "DEVICE_ALREADY_EXISTS");
  Device bad = Make("gw-2");
  bad.labels["Bad"] = "x";
  absl::Status st = registry_.Create(bad).status();
  ExpectError(st, absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
  EXPECT_EQ(status::Metadata(st)["field"], "labels.Bad");
  EXPECT_EQ(repo_.size(), 1u);
}

TEST_F(RegistryTest, GetByNameOrId) {
  MustCreate(Make("gw-1"));
  EXPECT_EQ(registry_.Get("devices/gw-1")->id, "gw-1");
  EXPECT_EQ(registry_.Get("gw-1")->id, "gw-1");
  ExpectError(registry_.Get("devices/nope").status(), absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND");
  ExpectError(registry_.Get("devices/").status(), absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
  ExpectError(registry_.Get("devices/a/b").status(), absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
}

TEST_F(RegistryTest, UpdateAppliesOnlyMaskedFields) {
  Device d = MustCreate(Make("gw-1", "gw-200", "north", {{"site", "a"}, {"floor", "1"}}));
  clock_.Advance(absl::Seconds(5));
  Device patch = Make("gw-1", "gw-300", "south", {{"site", "b"}});
  patch.display_name = "new";
  auto u = registry_.Update(patch, {"model", "labels.site", "labels.floor"}, "");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->model, "gw-300");
  EXPECT_EQ(u->group, "north");
  EXPECT_EQ(u->display_name, "");
  EXPECT_EQ(u->labels, (std::map<std::string, std::string>{{"site", "b"}}));  // floor removed
  EXPECT_EQ(u->create_time, d.create_time);
  EXPECT_EQ(u->update_time, clock_.Now());
  EXPECT_GT(u->revision, d.revision);
  // Empty mask = every mutable field.
  u = registry_.Update(patch, {}, "");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->group, "south");
  EXPECT_EQ(u->display_name, "new");
  // "labels" wins over "labels.<key>".
  u = registry_.Update(Make("gw-1", "", "", {{"x", "1"}}), {"labels", "labels.site"}, "");
  EXPECT_EQ(u->labels, (std::map<std::string, std::string>{{"x", "1"}}));
}

TEST_F(RegistryTest, UpdateRejectsBadMasksAndInvalidResultsWithoutWriting) {
  Device d = MustCreate(Make("gw-1"));
  for (std::vector<std::string> mask :
       std::vector<std::vector<std::string>>{{"id"}, {"create_time"}, {"etag"}, {"colour"}, {"labels.Bad"}}) {
    absl::Status st = registry_.Update(Make("gw-1"), mask, "").status();
    ExpectError(st, absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
    EXPECT_EQ(status::Metadata(st)["field"], "update_mask") << mask[0];
  }
  absl::Status st = registry_.Update(Make("gw-1", "bad model"), {"model"}, "").status();
  EXPECT_EQ(status::Metadata(st)["field"], "model");
  EXPECT_EQ(*registry_.Get("gw-1"), d);
  ExpectError(registry_.Update(Make("nope"), {}, "").status(), absl::StatusCode::kNotFound,
              "DEVICE_NOT_FOUND");
  ExpectError(registry_.Update(Make(""), {}, "").status(), absl::StatusCode::kInvalidArgument,
              "INVALID_FIELD");
}

TEST_F(RegistryTest, EtagGivesOptimisticConcurrency) {
  Device d = MustCreate(Make("gw-1"));
  const std::string etag = EtagOf(d.revision);
  auto u = registry_.Update(Make("gw-1", "m2"), {"model"}, etag);
  ASSERT_TRUE(u.ok()) << u.status();
  absl::Status st = registry_.Update(Make("gw-1", "m3"), {"model"}, etag).status();
  ExpectError(st, absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["etag"], EtagOf(u->revision));
  ExpectError(registry_.Update(Make("gw-1", "m3"), {"model"}, "garbage").status(), absl::StatusCode::kAborted,
              "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(registry_.Get("gw-1")->model, "m2");
  // A write sneaking in between the read and the write also loses the etag race.
  repo_.before_update = [&] { ASSERT_TRUE(registry_.Update(Make("gw-1", "other"), {"model"}, "").ok()); };
  ExpectError(registry_.Update(Make("gw-1", "m4"), {"model"}, EtagOf(u->revision)).status(),
              absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(registry_.Get("gw-1")->model, "other");
}

TEST_F(RegistryTest, UpdateWithoutEtagRetriesSoNoChangeIsLost) {
  MustCreate(Make("gw-1", "gw-200", "north", {{"a", "1"}}));
  repo_.before_update = [&] {
    ASSERT_TRUE(registry_.Update(Make("gw-1", "", "", {{"b", "2"}}), {"labels.b"}, "").ok());
  };
  auto u = registry_.Update(Make("gw-1", "", "", {{"c", "3"}}), {"labels.c"}, "");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->labels, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(repo_.updates, 3);  // conflicting attempt, the interferer, the retry
}

TEST_F(RegistryTest, DeleteWithAndWithoutEtag) {
  Device a = MustCreate(Make("a"));
  MustCreate(Make("b"));
  ExpectError(registry_.Delete("devices/a", "\"r999\""), absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH");
  EXPECT_TRUE(registry_.Delete("devices/a", EtagOf(a.revision)).ok());
  EXPECT_TRUE(registry_.Delete("b", "").ok());
  ExpectError(registry_.Delete("b", ""), absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND");
  // A re-created device never matches an etag of its predecessor.
  Device again = MustCreate(Make("a"));
  EXPECT_NE(again.revision, a.revision);
  ExpectError(registry_.Delete("a", EtagOf(a.revision)), absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH");
}

TEST_F(RegistryTest, ListPagesThroughFilteredDevices) {
  for (int i = 0; i < 25; ++i) {
    MustCreate(Make(absl::StrCat("d", i < 10 ? "0" : "", i), i % 2 ? "gw-100" : "gw-200", "north",
                    {{"site", i % 3 ? "a" : "b"}}));
  }
  std::vector<std::string> seen;
  ListDevicesRequest req{.page_size = 4, .filter = "model=gw-200 AND labels.site = a"};
  int pages = 0;
  do {
    auto r = registry_.List(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LE(r->devices.size(), 4u);
    for (const Device& d : r->devices) seen.push_back(d.id);
    req.page_token = r->next_page_token;
    // Spacing and quoting do not change the filter the token is bound to.
    req.filter = "model = \"gw-200\" AND labels.site = \"a\"";
    ++pages;
  } while (!req.page_token.empty());
  EXPECT_THAT(seen, ElementsAre("d02", "d04", "d08", "d10", "d14", "d16", "d20", "d22"));
  EXPECT_EQ(pages, 2);
  auto all = registry_.List({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->devices.size(), 25u);
  EXPECT_TRUE(all->next_page_token.empty());
}

TEST_F(RegistryTest, ListRejectsBadInput) {
  MustCreate(Make("a"));
  MustCreate(Make("b"));
  auto first = registry_.List({.page_size = 1, .filter = "group = north"});
  ASSERT_FALSE(first->next_page_token.empty());
  ExpectError(
      registry_.List({.page_size = 1, .page_token = first->next_page_token, .filter = "group = south"})
          .status(),
      absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN");
  ExpectError(registry_.List({.page_token = "junk"}).status(), absl::StatusCode::kInvalidArgument,
              "INVALID_PAGE_TOKEN");
  absl::Status st = registry_.List({.filter = "group = "}).status();
  ExpectError(st, absl::StatusCode::kInvalidArgument, "INVALID_FILTER");
  EXPECT_EQ(status::Metadata(st)["position"], "8");
  ExpectError(registry_.List({.page_size = 1001}).status(), absl::StatusCode::kInvalidArgument,
              "INVALID_FIELD");
  ExpectError(registry_.List({.page_size = -1}).status(), absl::StatusCode::kInvalidArgument,
              "INVALID_FIELD");
  ExpectError(registry_.List({.order_by = "model"}).status(), absl::StatusCode::kInvalidArgument,
              "INVALID_FIELD");
  EXPECT_TRUE(registry_.List({.page_size = 1000, .order_by = "id"}).ok());
}

TEST_F(RegistryTest, BatchGetReportsMissingInRequestOrder) {
  MustCreate(Make("a"));
  MustCreate(Make("c"));
  auto r = registry_.BatchGet(std::vector<std::string>{"devices/c", "b", "a", "devices/c", "devices/x"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->devices.size(), 2u);
  EXPECT_EQ(r->devices[0].id, "c");
  EXPECT_EQ(r->devices[1].id, "a");
  EXPECT_THAT(r->missing, ElementsAre("b", "devices/x"));
  ExpectError(registry_.BatchGet(std::vector<std::string>{"ok", "bad id"}).status(),
              absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
  ExpectError(registry_.BatchGet(std::vector<std::string>(1001, "a")).status(),
              absl::StatusCode::kInvalidArgument, "INVALID_FIELD");
}

TEST_F(RegistryTest, ImportCreatesAllRows) {
  auto r = registry_.Import(ImportFormat::kCsv, "id,model,labels.site\na,gw-1,s1\nb,gw-2,\n", false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 2);
  EXPECT_EQ(r->rows, 2);
  EXPECT_EQ(registry_.Get("a")->labels.at("site"), "s1");
  EXPECT_EQ(registry_.Get("b")->create_time, clock_.Now());
  r = registry_.Import(ImportFormat::kJsonLines, "{\"id\":\"c\"}\n", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->created, 0);
  EXPECT_EQ(repo_.size(), 2u);  // validate_only wrote nothing
}

TEST_F(RegistryTest, ImportIsAllOrNothingWithAPerRowReport) {
  MustCreate(Make("taken"));
  absl::Status st = registry_
                        .Import(ImportFormat::kCsv,
                                "id,model,labels.site\n"
                                "ok1,gw,s\n"
                                "bad id,gw,s\n"
                                "ok1,gw,s\n"
                                "ok2,bad model,s bad\"\n",
                                false)
                        .status();
  ExpectError(st, absl::StatusCode::kInvalidArgument, "IMPORT_ROWS_INVALID");
  auto md = status::Metadata(st);
  EXPECT_EQ(md["invalid_rows"], "3");
  EXPECT_EQ(md["row_errors"],
            "[{\"row\":3,\"field\":\"id\",\"message\":\"id has a character outside [A-Za-z0-9._:-] at "
            "position 3\"},"
            "{\"row\":4,\"field\":\"id\",\"message\":\"id \\\"ok1\\\" already appears in row 2\"},"
            "{\"row\":5,\"field\":\"model\",\"message\":\"model has a character outside [A-Za-z0-9._-] at "
            "position 3\"},"
            "{\"row\":5,\"field\":\"labels.site\",\"message\":\"label value has a character outside "
            "[A-Za-z0-9._/:@+-] and space at position 5\"}]");
  EXPECT_FALSE(md.contains("truncated"));
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("3 of 4 rows are invalid, nothing was imported; first: row 3, id"));
  EXPECT_EQ(repo_.size(), 1u);
  // Rows that only clash with existing devices are reported too, and nothing is written.
  st = registry_.Import(ImportFormat::kJsonLines, "{\"id\":\"new\"}\n{\"id\":\"taken\"}\n", false).status();
  ExpectError(st, absl::StatusCode::kInvalidArgument, "IMPORT_ROWS_INVALID");
  EXPECT_EQ(status::Metadata(st)["row_errors"],
            "[{\"row\":2,\"field\":\"id\",\"message\":\"device \\\"taken\\\" already exists\"}]");
  EXPECT_EQ(repo_.size(), 1u);
}

TEST_F(RegistryTest, ImportReportIsCapped) {
  std::string data = "id\n";
  for (int i = 0; i < 150; ++i) data += "bad id " + std::to_string(i) + "\n";
  absl::Status st = registry_.Import(ImportFormat::kCsv, data, false).status();
  auto md = status::Metadata(st);
  EXPECT_EQ(md["invalid_rows"], "150");
  EXPECT_EQ(md["truncated"], "true");
  const std::string& json = md["row_errors"];
  EXPECT_LE(json.size(), Registry::kMaxReportBytes);
  EXPECT_EQ(json.front(), '[');
  EXPECT_EQ(json.back(), ']');
  EXPECT_GE(std::count(json.begin(), json.end(), '{'), 20);
  // Huge or binary user text is clipped before it is echoed.
  st = registry_.Import(ImportFormat::kJsonLines, "{\"" + std::string(5000, 'k') + "\xff\":\"v\"}\n", false)
           .status();
  md = status::Metadata(st);
  EXPECT_EQ(status::Reason(st), "IMPORT_ROWS_INVALID");
  EXPECT_LT(md["row_errors"].size(), 400u);
  EXPECT_LT(st.message().size(), 400u);
}

TEST_F(RegistryTest, BackendErrorsPropagate) {
  repo_.FailWith(absl::UnavailableError("db down"));
  EXPECT_TRUE(absl::IsUnavailable(registry_.Get("a").status()));
  EXPECT_TRUE(absl::IsUnavailable(registry_.List({}).status()));
  EXPECT_TRUE(absl::IsUnavailable(registry_.Create(Make("a")).status()));
  EXPECT_TRUE(absl::IsUnavailable(registry_.Import(ImportFormat::kCsv, "id\na\n", false).status()));
}

}  // namespace
}  // namespace fleet::devcfg
