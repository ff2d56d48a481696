#include "services/device-config/domain/push_queue.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"

namespace fleet::devcfg {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(PushQueueTest, NewerPendingVersionSupersedesOlder) {
  FakeClock clock;
  PushQueue q({.per_second = 10, .max_in_flight = 10});
  EXPECT_TRUE(q.Enqueue("a", 1));
  EXPECT_TRUE(q.Enqueue("b", 1));
  EXPECT_TRUE(q.Enqueue("a", 3));
  EXPECT_FALSE(q.Enqueue("a", 2));  // older than pending
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 3}, PushItem{"b", 1}));
  EXPECT_EQ(q.pending(), 0u);
}

TEST(PushQueueTest, NeverSendsOlderAfterNewer) {
  FakeClock clock;
  PushQueue q({.per_second = 10, .max_in_flight = 10});
  q.Enqueue("a", 5);
  ASSERT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 5}));
  q.Answered("a", 5);
  EXPECT_FALSE(q.Enqueue("a", 4));
  EXPECT_FALSE(q.Enqueue("a", 5));
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  EXPECT_TRUE(q.Enqueue("a", 6));
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 6}));
}

TEST(PushQueueTest, OneFlightPerDeviceNewerWaitsForAnswer) {
  FakeClock clock;
  PushQueue q({.per_second = 100, .max_in_flight = 10});
  q.Enqueue("a", 1);
  ASSERT_THAT(q.TakeDue(clock.Now()), SizeIs(1));
  EXPECT_TRUE(q.Enqueue("a", 2));
  EXPECT_TRUE(q.Enqueue("a", 3));
  EXPECT_FALSE(q.Enqueue("a", 3));
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  q.Answered("a", 0);  // an older answer does not end the flight
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  q.Answered("a", 1);
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 3}));
}

TEST(PushQueueTest, SentWithNewerVersionDropsWaitingOlderOne) {
  FakeClock clock;
  PushQueue q({.per_second = 100, .max_in_flight = 10});
  q.Enqueue("a", 1);
  ASSERT_THAT(q.TakeDue(clock.Now()), SizeIs(1));
  q.Enqueue("a", 2);
  q.Sent("a", 2);  // the pusher read desired version 2 and sent that
  q.Answered("a", 2);
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  EXPECT_EQ(q.pending(), 0u);
}

TEST(PushQueueTest, PacesPerSecond) {
  FakeClock clock;
  PushQueue q({.per_second = 3, .max_in_flight = 1000});
  for (int i = 0; i < 10; ++i) q.Enqueue("d" + std::to_string(i), 1);
  EXPECT_THAT(q.TakeDue(clock.Now()), SizeIs(3));  // burst of one second
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  clock.Advance(absl::Milliseconds(340));
  EXPECT_THAT(q.TakeDue(clock.Now()), SizeIs(1));
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(q.TakeDue(clock.Now()), SizeIs(3));
  clock.Advance(absl::Seconds(100));  // tokens do not pile up beyond one second
  EXPECT_THAT(q.TakeDue(clock.Now()), SizeIs(3));
  EXPECT_EQ(q.pending(), 0u);
}

TEST(PushQueueTest, CapsInFlightUntilAnswersOrTimeout) {
  FakeClock clock;
  PushQueue q({.per_second = 1000, .max_in_flight = 2, .answer_timeout = absl::Seconds(30)});
  for (const char* d : {"a", "b", "c", "d"}) q.Enqueue(d, 1);
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 1}, PushItem{"b", 1}));
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  q.Answered("a", 1);
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"c", 1}));
  clock.Advance(absl::Seconds(29));  // t=30: b (sent at t=0) never answered, it stops counting
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"d", 1}));
  EXPECT_EQ(q.in_flight(), 2u);  // c (sent at t=1) and d
}

TEST(PushQueueTest, SendFailedRequeues) {
  FakeClock clock;
  PushQueue q({.per_second = 1000, .max_in_flight = 10});
  q.Enqueue("a", 1);
  ASSERT_THAT(q.TakeDue(clock.Now()), SizeIs(1));
  q.SendFailed("a", 1);
  EXPECT_EQ(q.in_flight(), 0u);
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 1}));
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

TEST(PushQueueTest, RefreshPushesSameVersionAgainButNeverOlder) {
  FakeClock clock;
  PushQueue q({.per_second = 100, .max_in_flight = 10});
  q.Enqueue("a", 2);
  ASSERT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 2}));
  q.Sent("a", 2);
  EXPECT_TRUE(q.Enqueue("a", 2, /*refresh=*/true));  // template changed while in flight
  q.Sent("a", 2);                                     // a late Sent does not drop the refresh
  EXPECT_FALSE(q.Enqueue("a", 1, /*refresh=*/true));
  EXPECT_THAT(q.TakeDue(clock.Now()), IsEmpty());
  q.Answered("a", 2);
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 2}));
  q.Answered("a", 2);
  EXPECT_FALSE(q.Enqueue("a", 2));  // without refresh, the same version is not pushed again
  EXPECT_TRUE(q.Enqueue("a", 2, /*refresh=*/true));
  EXPECT_THAT(q.TakeDue(clock.Now()), ElementsAre(PushItem{"a", 2}));
}

}  // namespace
}  // namespace fleet::devcfg
