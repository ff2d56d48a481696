#include "services/device-online/domain/ingest.h"

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/device-online/domain/memory_store.h"

namespace fleet::online {
namespace {

class IngestTest : public ::testing::Test {
 protected:
  IngestTest() : store_(clock_), ingest_(store_, clock_, IngestPolicy{}) {}
  Uplink Up(std::string id, absl::Duration age, std::optional<double> cpu = std::nullopt) {
    Uplink u{std::move(id), clock_.Now() - age, "heartbeat", {}};
    u.board.cpu_percent = cpu;
    return u;
  }
  FakeClock clock_;
  MemoryStore store_;
  Ingestor ingest_;
};

TEST_F(IngestTest, DropsStaleAndFutureMessagesAndCountsThem) {
  absl::StatusOr<IngestResult> r = ingest_.Apply({Up("old", absl::Minutes(11)),
                                                  Up("future", -absl::Minutes(3)),
                                                  Up("ok", absl::Seconds(1)),
                                                  Up("edge", absl::Minutes(10))});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dropped_stale, 1);
  EXPECT_EQ(r->dropped_future, 1);
  EXPECT_EQ(r->applied, 2);
  EXPECT_FALSE(store_.Get("old")->has_value());
  EXPECT_FALSE(store_.Get("future")->has_value());
  EXPECT_TRUE(store_.Get("ok")->has_value());
}

TEST_F(IngestTest, ClampsSmallFutureSkewToNow) {
  ASSERT_TRUE(ingest_.Apply({Up("d", -absl::Seconds(30))}).ok());
  EXPECT_EQ((*store_.Get("d"))->last_seen, clock_.Now());
}

TEST_F(IngestTest, CoalescesPerDeviceKeepingNewest) {
  absl::StatusOr<IngestResult> r = ingest_.Apply(
      {Up("d", absl::Seconds(3), 10), Up("d", absl::Seconds(1), 30), Up("d", absl::Seconds(2), 20)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(r->coalesced, 2);
  auto p = **store_.Get("d");
  EXPECT_EQ(p.last_seen, clock_.Now() - absl::Seconds(1));
  EXPECT_EQ(*p.board.cpu_percent, 30);
}

TEST_F(IngestTest, NonHeartbeatKeepsStoredBoard) {
  ASSERT_TRUE(ingest_.Apply({Up("d", absl::Seconds(5), 42)}).ok());
  Uplink resp{"d", clock_.Now(), "response", {}};
  ASSERT_TRUE(ingest_.Apply({resp}).ok());
  auto p = **store_.Get("d");
  EXPECT_EQ(p.last_seen, clock_.Now());
  EXPECT_EQ(*p.board.cpu_percent, 42);
}

TEST_F(IngestTest, LastSeenNeverMovesBack) {
  ASSERT_TRUE(ingest_.Apply({Up("d", absl::Seconds(1), 1)}).ok());
  ASSERT_TRUE(ingest_.Apply({Up("d", absl::Seconds(60), 2)}).ok());  // late, out of order
  auto p = **store_.Get("d");
  EXPECT_EQ(p.last_seen, clock_.Now() - absl::Seconds(1));
  EXPECT_EQ(*p.board.cpu_percent, 1);
}

TEST_F(IngestTest, StoreFailureIsReturnedAndNothingCounted) {
  store_.FailWith(absl::UnavailableError("redis down"));
  absl::StatusOr<IngestResult> r = ingest_.Apply({Up("d", absl::Seconds(1))});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::online
