#include "services/device-online/domain/history.h"

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"
#include "services/device-online/domain/memory_history.h"
#include "services/device-online/domain/memory_store.h"

namespace fleet::online {
namespace {

class HistoryTest : public ::testing::Test {
 protected:
  HistoryTest() : store_(clock_), query_(store_, history_) {
    // dev-1: 7 transitions a minute apart, alternating online/offline, newest = "7".
    EXPECT_TRUE(store_.Touch({Sighting{"dev-1", clock_.Now(), {}}}, clock_.Now()).ok());
    std::vector<Transition> ts;
    for (int i = 1; i <= 7; ++i) {
      ts.push_back({std::to_string(i), "dev-1", i % 2 ? State::kOnline : State::kOffline,
                    t0_ + absl::Minutes(i), t0_ + absl::Minutes(i), i % 2 ? "uplink" : "timeout"});
    }
    ts.push_back({"99", "dev-2", State::kOnline, t0_, t0_, "uplink"});
    EXPECT_TRUE(history_.Publish(ts).ok());
  }

  FakeClock clock_;
  const absl::Time t0_ = absl::FromUnixSeconds(1'800'000'000);
  MemoryStore store_;
  MemoryPresenceHistory history_;
  PresenceHistoryQuery query_;
};

TEST_F(HistoryTest, PagesNewestFirstExactlyOnce) {
  HistoryRequest req{.device = "devices/dev-1", .page_size = 3};
  std::vector<std::string> ids;
  int pages = 0;
  while (true) {
    absl::StatusOr<HistoryResponse> r = query_.List(req);
    ASSERT_TRUE(r.ok()) << r.status();
    ++pages;
    for (const Transition& t : r->items) ids.push_back(t.id);
    if (r->next_page_token.empty()) break;
    req.page_token = r->next_page_token;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids, (std::vector<std::string>{"7", "6", "5", "4", "3", "2", "1"}));
}

TEST_F(HistoryTest, DefaultPageAndStartTime) {
  auto all = query_.List({.device = "dev-1"});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_TRUE(all->next_page_token.empty());
  EXPECT_EQ(all->items[0].state, State::kOnline);
  EXPECT_EQ(all->items[1].cause, "timeout");

  auto recent = query_.List({.device = "devices/dev-1/presence", .start_time = t0_ + absl::Minutes(5)});
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->items.size(), 3u);  // at or after the start time
  EXPECT_EQ(recent->items.back().id, "5");
}

TEST_F(HistoryTest, TokenIsBoundToDeviceAndStartTime) {
  auto first = query_.List({.device = "dev-1", .page_size = 2, .start_time = t0_});
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());
  absl::Status other_time =
      query_.List({.device = "dev-1", .page_size = 2, .page_token = first->next_page_token}).status();
  EXPECT_EQ(status::Reason(other_time), "INVALID_PAGE_TOKEN");
  EXPECT_NE(std::string(other_time.message()).find("start_time"), std::string::npos) << other_time;
  absl::Status other_device =
      query_.List({.device = "dev-2", .page_token = first->next_page_token, .start_time = t0_}).status();
  EXPECT_EQ(other_device.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(other_device), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(status::Reason(query_.List({.device = "dev-1", .page_token = "%%%"}).status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(status::Reason(query_.List({.device = "dev-1", .page_token = "aGVsbG8"}).status()),
            "INVALID_PAGE_TOKEN");
}

TEST_F(HistoryTest, ValidationAndNotFound) {
  for (int size : {-1, 501}) {
    absl::Status st = query_.List({.device = "dev-1", .page_size = size}).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_EQ(status::Reason(st), "INVALID_FIELD");
    EXPECT_EQ(status::Metadata(st).at("field"), "page_size");
  }
  EXPECT_TRUE(query_.List({.device = "dev-1", .page_size = 500}).ok());
  absl::Status bad = query_.List({.device = "devices/a b"}).status();
  EXPECT_EQ(status::Reason(bad), "INVALID_FIELD");
  EXPECT_EQ(status::Metadata(bad).at("field"), "device");

  absl::Status nf = query_.List({.device = "ghost"}).status();
  EXPECT_EQ(nf.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(nf), "PRESENCE_NOT_FOUND");
  // Seen (current state known) but nothing recorded yet, or nothing since start_time: empty.
  ASSERT_TRUE(store_.Touch({Sighting{"quiet", clock_.Now(), {}}}, clock_.Now()).ok());
  auto quiet = query_.List({.device = "quiet"});
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  EXPECT_TRUE(quiet->items.empty());
  // History kept although its current state is gone (dev-2 is only in the history).
  auto late = query_.List({.device = "dev-2", .start_time = t0_ + absl::Hours(1)});
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_TRUE(late->items.empty());
}

TEST_F(HistoryTest, BackendErrorsPassThrough) {
  history_.FailWith(absl::UnavailableError("pg down"));
  EXPECT_EQ(query_.List({.device = "dev-1"}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::online
