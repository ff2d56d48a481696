#include "services/device-online/edge/processed_offsets.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::online {
namespace {

kafka::Message At(const std::string& topic, int32_t partition, int64_t offset) {
  kafka::Message m;
  m.topic = topic;
  m.partition = partition;
  m.offset = offset;
  m.payload = absl::StrCat(topic, "/", partition, "@", offset);
  return m;
}

std::vector<int64_t> Offsets(const std::vector<kafka::Message>& batch) {
  std::vector<int64_t> out;
  for (const kafka::Message& m : batch) out.push_back(m.offset);
  return out;
}

TEST(ProcessedOffsetsTest, NothingIsTakenBeforeAnythingWasApplied) {
  ProcessedOffsets p;
  std::vector<kafka::Message> batch = {At("up", 0, 0), At("up", 0, 1)};
  EXPECT_TRUE(p.Claim(batch).empty());
  EXPECT_THAT(Offsets(batch), ::testing::ElementsAre(0, 1));
}

TEST(ProcessedOffsetsTest, ARedeliveredPrefixIsTakenPerPartition) {
  ProcessedOffsets p;
  p.Applied({At("up", 0, 0), At("up", 0, 1), At("up", 0, 2), At("up", 1, 7)});
  // Partition 0 comes back from offset 1 (its commit was lost); partition 1 continues; partition
  // 2 and another topic were never applied here.
  std::vector<kafka::Message> batch = {At("up", 0, 1), At("up", 1, 8), At("up", 0, 2),
                                       At("up", 0, 3), At("up", 2, 0), At("down", 0, 0)};
  std::vector<kafka::Message> again = p.Claim(batch);
  EXPECT_THAT(Offsets(again), ::testing::ElementsAre(1, 2));
  for (const kafka::Message& m : again) EXPECT_EQ(m.partition, 0);
  EXPECT_THAT(Offsets(batch), ::testing::ElementsAre(8, 3, 0, 0));
  EXPECT_EQ(batch[0].payload, "up/1@8");  // records are moved whole
  EXPECT_EQ(batch[3].topic, "down");
}

TEST(ProcessedOffsetsTest, AppliedOnlyMovesForward) {
  ProcessedOffsets p;
  p.Applied({At("up", 0, 9)});
  p.Applied({At("up", 0, 3)});  // an older batch finishing late does not lower the mark
  std::vector<kafka::Message> batch = {At("up", 0, 9), At("up", 0, 10)};
  EXPECT_THAT(Offsets(p.Claim(batch)), ::testing::ElementsAre(9));
  EXPECT_THAT(Offsets(batch), ::testing::ElementsAre(10));
}

TEST(ProcessedOffsetsTest, AClaimWaitsForAnotherConsumerStillApplyingThePartition) {
  ProcessedOffsets p;
  std::vector<kafka::Message> first = {At("up", 0, 0), At("up", 0, 1)};
  ASSERT_TRUE(p.Claim(first).empty());
  // The partition moved to another consumer, which polls the same records while the first is
  // still applying them.
  std::atomic<bool> claimed{false};
  std::vector<kafka::Message> again;
  std::thread second([&] {
    std::vector<kafka::Message> batch = {At("up", 0, 0), At("up", 0, 1), At("up", 0, 2)};
    again = p.Claim(batch);
    claimed = true;
    EXPECT_THAT(Offsets(batch), ::testing::ElementsAre(2));
    p.Applied(batch);
  });
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(claimed.load());
  p.Applied(first);
  second.join();
  EXPECT_THAT(Offsets(again), ::testing::ElementsAre(0, 1));
}

TEST(ProcessedOffsetsTest, ReleasedRecordsAreClaimedAgain) {
  ProcessedOffsets p;
  std::vector<kafka::Message> first = {At("up", 0, 0), At("up", 0, 1)};
  ASSERT_TRUE(p.Claim(first).empty());
  p.Release(first);  // e.g. stopping while the store is down
  std::vector<kafka::Message> batch = {At("up", 0, 0), At("up", 0, 1)};
  EXPECT_TRUE(p.Claim(batch).empty());  // did not block, and nothing counts as applied
  EXPECT_THAT(Offsets(batch), ::testing::ElementsAre(0, 1));
}

TEST(ProcessedOffsetsTest, SharedByThreads) {
  ProcessedOffsets p;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p, t] {
      for (int64_t o = 0; o < 1000; ++o) {
        std::vector<kafka::Message> batch = {At("up", t, o)};
        EXPECT_TRUE(p.Claim(batch).empty());
        p.Applied(batch);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) {
    std::vector<kafka::Message> batch = {At("up", t, 999), At("up", t, 1000)};
    EXPECT_EQ(p.Claim(batch).size(), 1u) << t;
  }
}

}  // namespace
}  // namespace fleet::online
