#include "services/device-online/domain/query.h"

#include <set>

#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/clock/fake_clock.h"
#include "services/device-online/domain/memory_store.h"

namespace fleet::online {
namespace {

class QueryTest : public ::testing::Test {
 protected:
  QueryTest() : store_(clock_), query_(store_) {
    std::vector<Sighting> s;
    for (int i = 0; i < 25; ++i) {
      char id[16];
      snprintf(id, sizeof(id), "dev-%02d", i);
      s.push_back(Sighting{id, clock_.Now(), {}});
    }
    EXPECT_TRUE(store_.Touch(s, clock_.Now()).ok());
    clock_.Advance(absl::Minutes(5));
    // Every odd device goes offline.
    std::vector<Sighting> even;
    for (int i = 0; i < 25; i += 2) even.push_back(s[i]), even.back().seen = clock_.Now();
    EXPECT_TRUE(store_.Touch(even, clock_.Now()).ok());
    EXPECT_EQ(*store_.SweepOffline(clock_.Now() - absl::Seconds(1), clock_.Now(), 100), 12);
  }
  FakeClock clock_;
  MemoryStore store_;
  PresenceQuery query_;
};

TEST_F(QueryTest, GetAcceptsResourceNameOrBareId) {
  EXPECT_EQ(query_.Get("devices/dev-01/presence")->state, State::kOffline);
  EXPECT_EQ(query_.Get("dev-02")->state, State::kOnline);
}

TEST_F(QueryTest, GetErrors) {
  absl::Status nf = query_.Get("devices/nope/presence").status();
  EXPECT_EQ(nf.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(nf), "PRESENCE_NOT_FOUND");
  absl::Status bad = query_.Get("devices/a b/presence").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(bad), "INVALID_FIELD");
  EXPECT_EQ(query_.Get("devices/dev-01").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(QueryTest, PagesThroughEveryOnlineDeviceExactlyOnce) {
  std::set<std::string> seen;
  ListRequest req{"online", 5, ""};
  int pages = 0;
  while (true) {
    absl::StatusOr<ListResponse> r = query_.List(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->total, 13);
    ++pages;
    for (const Presence& p : r->items) {
      EXPECT_EQ(p.state, State::kOnline);
      EXPECT_TRUE(seen.insert(p.device_id).second) << p.device_id;
    }
    if (r->next_page_token.empty()) break;
    req.page_token = r->next_page_token;
  }
  EXPECT_EQ(seen.size(), 13u);
  EXPECT_EQ(pages, 3);
}

TEST_F(QueryTest, ListValidation) {
  EXPECT_EQ(status::Reason(query_.List({"sleeping", 0, ""}).status()), "INVALID_FILTER");
  EXPECT_EQ(status::Reason(query_.List({"", 1001, ""}).status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(query_.List({"", -1, ""}).status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(query_.List({"", 0, "%%%"}).status()), "INVALID_PAGE_TOKEN");
  const std::string online_token = PresenceQuery::EncodePageToken("online", "dev-03");
  EXPECT_EQ(status::Reason(query_.List({"offline", 0, online_token}).status()),
            "INVALID_PAGE_TOKEN");
  EXPECT_EQ(query_.List({"", 0, ""})->items.size(), 25u);
}

TEST_F(QueryTest, BatchGetReportsMissingAndDeduplicates) {
  absl::StatusOr<BatchGetResponse> r = query_.BatchGet({"dev-00", "zzz", "dev-00", "dev-03"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->found.size(), 2u);
  EXPECT_EQ(r->missing, std::vector<std::string>{"zzz"});
  std::vector<std::string> many(1001, "dev-00");
  EXPECT_EQ(query_.BatchGet(many).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(query_.BatchGet({"bad id"}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::online
