// RawConsume and InspectTopic against a real kafka-dev process.
#include "bench/raw_consume.h"

#include <librdkafka/rdkafka.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/testing/kafka_dev_process.h"

namespace fleet::bench {
namespace {

class RawConsumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = kafka::testing::StartKafkaDev({{"bench.up", 4}});
    ASSERT_TRUE(k.ok()) << k.status();
    kafka_ = std::move(*k);
  }

  void Produce(const std::string& topic, int n, size_t payload_size = 100) {
    auto p = kafka::Producer::Create({.bootstrap = kafka_->bootstrap()});
    ASSERT_TRUE(p.ok()) << p.status();
    const std::string payload(payload_size, 'x');
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE((*p)->Send(topic, absl::StrCat("dev-", i % 50), payload).ok());
    }
    ASSERT_TRUE((*p)->Flush(absl::Seconds(30)).ok());
    ASSERT_EQ((*p)->DeliveryFailures(), 0);
  }

  std::unique_ptr<kafka::testing::KafkaDevProcess> kafka_;
};

TEST_F(RawConsumeTest, ConsumesExactlyTheRequestedRecords) {
  Produce("bench.up", 3000);
  absl::StatusOr<RawConsumeResult> r = RawConsume({.bootstrap = kafka_->bootstrap(),
                                                   .topic = "bench.up",
                                                   .group_id = "g1",
                                                   .messages = 3000,
                                                   .timeout = absl::Seconds(30)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->messages, 3000);
  EXPECT_EQ(r->bytes, 3000 * 100);
  EXPECT_GT(r->msgs_per_s, 0);
  EXPECT_GE(r->first_to_last_s, 0);
}

TEST_F(RawConsumeTest, TimesOutWhenTheTopicHoldsFewerRecords) {
  Produce("bench.up", 10);
  absl::StatusOr<RawConsumeResult> r = RawConsume({.bootstrap = kafka_->bootstrap(),
                                                   .topic = "bench.up",
                                                   .group_id = "g2",
                                                   .messages = 11,
                                                   .timeout = absl::Seconds(8)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("10 of 11"));
}

TEST_F(RawConsumeTest, RejectsBadOptions) {
  EXPECT_EQ(RawConsume({.bootstrap = kafka_->bootstrap(), .topic = "bench.up", .group_id = "g",
                        .messages = 0})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RawConsumeTest, InspectCountsProducedAndRetainedRecords) {
  Produce("bench.up", 500);
  absl::StatusOr<TopicRetention> t = InspectTopic(kafka_->bootstrap(), "bench.up");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->partitions, 4);
  EXPECT_EQ(t->produced, 500);
  EXPECT_EQ(t->retained, 500);
  EXPECT_EQ(t->truncated_partitions, 0);
}

// The mock keeps ~5 MB per partition: past that it silently drops the oldest record batches,
// which InspectTopic must reveal (this is why bench/run sizes partitions from --messages).
TEST_F(RawConsumeTest, InspectRevealsMockRetentionLoss) {
  Produce("bench.up", 4 * 8000, 1000);  // ~32 MB over 4 partitions: ~8 MB each
  absl::StatusOr<TopicRetention> t = InspectTopic(kafka_->bootstrap(), "bench.up");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->produced, 4 * 8000);
  EXPECT_LT(t->retained, t->produced);
  EXPECT_GT(t->truncated_partitions, 0);
}

}  // namespace
}  // namespace fleet::bench
