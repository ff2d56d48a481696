// The presence state machine end to end through the domain use cases, with a fake clock.
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/device-online/domain/ingest.h"
#include "services/device-online/domain/memory_store.h"
#include "services/device-online/domain/relay.h"
#include "services/device-online/domain/sweeper.h"

namespace fleet::online {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

class RecordingSink : public TransitionSink {
 public:
  absl::Status Publish(absl::Span<const Transition> ts) override {
    if (!fail.ok()) return fail;
    got.insert(got.end(), ts.begin(), ts.end());
    return absl::OkStatus();
  }
  std::vector<Transition> got;
  absl::Status fail;
};

class PresenceStateTest : public ::testing::Test {
 protected:
  PresenceStateTest()
      : store_(clock_),
        ingest_(store_, clock_, IngestPolicy{}),
        sweeper_(store_, store_, clock_, SweepPolicy{.offline_after = absl::Seconds(30)}) {}

  void Heartbeat(const std::string& id, double cpu = 1) {
    Uplink up{id, clock_.Now(), "heartbeat", {}};
    up.board.cpu_percent = cpu;
    ASSERT_TRUE(ingest_.Apply({up}).ok());
  }
  // Every partition caught up to now.
  void CaughtUp() { ASSERT_TRUE(store_.Report({{"edge.up/0", clock_.Now()}}).ok()); }
  State StateOf(const std::string& id) { return (*store_.Get(id))->state; }

  FakeClock clock_;
  MemoryStore store_;
  Ingestor ingest_;
  Sweeper sweeper_;
};

TEST_F(PresenceStateTest, OnlineOfflineOnline) {
  Heartbeat("d1", 12.5);
  EXPECT_EQ(StateOf("d1"), State::kOnline);
  EXPECT_EQ(*(*store_.Get("d1"))->board.cpu_percent, 12.5);

  clock_.Advance(absl::Seconds(29));
  CaughtUp();
  ASSERT_EQ(sweeper_.RunOnce()->went_offline, 0);
  EXPECT_EQ(StateOf("d1"), State::kOnline);

  clock_.Advance(absl::Seconds(2));
  CaughtUp();
  ASSERT_EQ(sweeper_.RunOnce()->went_offline, 1);
  EXPECT_EQ(StateOf("d1"), State::kOffline);
  // Sweeping again changes nothing: exactly one offline transition.
  ASSERT_EQ(sweeper_.RunOnce()->went_offline, 0);

  clock_.Advance(absl::Seconds(5));
  Heartbeat("d1");
  EXPECT_EQ(StateOf("d1"), State::kOnline);

  RecordingSink sink;
  Relay relay(store_, {&sink}, "r1");
  ASSERT_EQ(*relay.RunOnce(), 3);
  EXPECT_THAT(sink.got, ElementsAre(Field(&Transition::state, State::kOnline),
                                    Field(&Transition::state, State::kOffline),
                                    Field(&Transition::state, State::kOnline)));
  EXPECT_EQ(sink.got[1].cause, "timeout");
  EXPECT_EQ(*relay.RunOnce(), 0);
}

TEST_F(PresenceStateTest, RepeatedHeartbeatsEmitNoTransition) {
  for (int i = 0; i < 5; ++i) {
    Heartbeat("d1");
    clock_.Advance(absl::Seconds(10));
  }
  EXPECT_EQ(store_.PendingTransitions(), 1u);
}

TEST_F(PresenceStateTest, StalledConsumerMarksNobodyOffline) {
  Heartbeat("d1");
  CaughtUp();
  // The consumer stops (slow upgrade); the wall clock runs on for 10 minutes.
  clock_.Advance(absl::Minutes(10));
  absl::StatusOr<SweepResult> r = sweeper_.RunOnce();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->went_offline, 0);
  EXPECT_FALSE(r->lagging_partition.empty());
  EXPECT_EQ(StateOf("d1"), State::kOnline);
}

TEST_F(PresenceStateTest, NoWatermarkYetJudgesNothing) {
  Heartbeat("d1");
  clock_.Advance(absl::Hours(1));
  absl::StatusOr<SweepResult> r = sweeper_.RunOnce();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ran);
  EXPECT_EQ(StateOf("d1"), State::kOnline);
}

TEST_F(PresenceStateTest, SweepUsesSlowestPartition) {
  Heartbeat("d1");
  const absl::Time t0 = clock_.Now();
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(store_.Report({{"p0", clock_.Now()}, {"p1", t0 + absl::Seconds(20)}}).ok());
  ASSERT_EQ(sweeper_.RunOnce()->went_offline, 0);  // p1 has only read 20 s past the heartbeat
  ASSERT_TRUE(store_.Report({{"p1", t0 + absl::Seconds(31)}}).ok());
  ASSERT_EQ(sweeper_.RunOnce()->went_offline, 1);
}

TEST_F(PresenceStateTest, SweepLoopsOverBatches) {
  Sweeper small(store_, store_, clock_, SweepPolicy{.offline_after = absl::Seconds(30), .batch_limit = 7});
  for (int i = 0; i < 50; ++i) Heartbeat("d" + std::to_string(i));
  clock_.Advance(absl::Minutes(1));
  CaughtUp();
  EXPECT_EQ(small.RunOnce()->went_offline, 50);
}

TEST_F(PresenceStateTest, RelayDoesNotAckWhenASinkFails) {
  Heartbeat("d1");
  RecordingSink ok_sink, bad_sink;
  bad_sink.fail = absl::UnavailableError("kafka down");
  Relay relay(store_, {&ok_sink, &bad_sink}, "r1");
  EXPECT_EQ(relay.RunOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_.PendingTransitions(), 1u);
  bad_sink.fail = absl::OkStatus();
  EXPECT_EQ(*relay.RunOnce(), 1);
  EXPECT_EQ(store_.PendingTransitions(), 0u);
  EXPECT_EQ(bad_sink.got.size(), 1u);
}

TEST_F(PresenceStateTest, DeadReplicasClaimsAreTakenOverAfterIdle) {
  Heartbeat("d1");
  RecordingSink sink;
  auto claimed = store_.Claim("dead-replica", 10, absl::Seconds(15));
  ASSERT_EQ(claimed->size(), 1u);
  Relay relay(store_, {&sink}, "r2", 500, absl::Seconds(15));
  EXPECT_EQ(*relay.RunOnce(), 0);  // still owned by the (dead) replica
  clock_.Advance(absl::Seconds(16));
  EXPECT_EQ(*relay.RunOnce(), 1);
  EXPECT_EQ(sink.got[0].device_id, "d1");
}

}  // namespace
}  // namespace fleet::online
