// Producer/Consumer against a real kafka-dev process.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/testing/kafka_dev_process.h"

namespace fleet::kafka {
namespace {

using testing::StartKafkaDev;

constexpr int kPartitions = 8;
constexpr int kMessages = 10000;

std::map<std::string, std::string> FastGroup() {
  return {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = StartKafkaDev({{"up", kPartitions}, {"small", 2}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = *std::move(kafka);
    auto producer = Producer::Create({.bootstrap = kafka_->bootstrap()});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = *std::move(producer);
  }
  void TearDown() override {
    producer_.reset();
    kafka_.reset();  // SIGTERM + wait
  }

  std::unique_ptr<Consumer> NewConsumer(const std::string& group, const std::string& topic) {
    ConsumerOptions options{.bootstrap = kafka_->bootstrap(), .group_id = group, .topics = {topic},
                            .overrides = FastGroup()};
    auto consumer = Consumer::Create(options);
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    return consumer.ok() ? *std::move(consumer) : nullptr;
  }

  // Polls until `want` records arrived or `limit` passed; marks each batch processed.
  static std::vector<Message> Drain(Consumer& c, size_t want, absl::Duration limit) {
    std::vector<Message> all;
    const absl::Time deadline = absl::Now() + limit;
    while (all.size() < want && absl::Now() < deadline) {
      auto batch = c.Poll(1000, absl::Milliseconds(200));
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok()) break;
      EXPECT_TRUE(c.MarkProcessed(*batch).ok());
      all.insert(all.end(), batch->begin(), batch->end());
    }
    return all;
  }

  void Produce(const std::string& topic, int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE(producer_
                      ->Send(topic, absl::StrCat("dev-", i % 97), absl::StrCat("payload-", i),
                             {{"content-type", "application/json"},
                              {"seq", absl::StrCat(i)}})
                      .ok());
    }
    ASSERT_TRUE(producer_->Flush(absl::Seconds(30)).ok());
  }

  std::unique_ptr<testing::KafkaDevProcess> kafka_;
  std::unique_ptr<Producer> producer_;
};

TEST_F(ClientTest, ProducesAndConsumesKeyedMessagesWithHeadersAndResumesFromCommit) {
  Produce("up", 0, kMessages);
  EXPECT_EQ(producer_->DeliveryFailures(), 0);

  std::unique_ptr<Consumer> c = NewConsumer("svc", "up");
  ASSERT_NE(c, nullptr);
  std::vector<Message> got = Drain(*c, kMessages, absl::Seconds(60));
  ASSERT_EQ(got.size(), kMessages);

  std::set<int> seqs;
  std::set<int32_t> partitions;
  std::map<std::string, int32_t> partition_of_key;
  std::map<int32_t, int64_t> last_offset;
  for (const Message& m : got) {
    ASSERT_EQ(m.topic, "up");
    int seq = -1;
    ASSERT_TRUE(absl::SimpleAtoi(std::string(m.HeaderValue("seq")), &seq)) << m.payload;
    seqs.insert(seq);
    EXPECT_EQ(m.payload, absl::StrCat("payload-", seq));
    EXPECT_EQ(m.key, absl::StrCat("dev-", seq % 97));
    EXPECT_EQ(m.HeaderValue("content-type"), "application/json");
    EXPECT_EQ(m.HeaderValue("missing"), "");
    EXPECT_GT(m.timestamp_ms, 0);
    partitions.insert(m.partition);
    // Same key, same partition; offsets increase within a partition.
    auto [it, inserted] = partition_of_key.emplace(m.key, m.partition);
    EXPECT_EQ(it->second, m.partition) << m.key;
    auto off = last_offset.find(m.partition);
    if (off != last_offset.end()) {
      EXPECT_GT(m.offset, off->second);
    }
    last_offset[m.partition] = m.offset;
  }
  EXPECT_EQ(seqs.size(), kMessages);  // no duplicates, none missing
  EXPECT_EQ(partitions.size(), kPartitions);

  // Caught up: every assigned partition's position equals its high watermark.
  std::vector<Consumer::PartitionLag> lag = c->Lag();
  ASSERT_EQ(lag.size(), kPartitions);
  int64_t total = 0;
  for (const auto& p : lag) {
    EXPECT_EQ(p.position, p.high_watermark) << p.partition;
    total += p.high_watermark;
  }
  EXPECT_EQ(total, kMessages);

  ASSERT_TRUE(c->CommitSync().ok());
  ASSERT_TRUE(c->Close().ok());
  EXPECT_TRUE(c->Close().ok());  // idempotent
  EXPECT_EQ(c->Poll(1, absl::Milliseconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  c.reset();

  // A new member of the same group resumes after the commit: only new records.
  Produce("up", kMessages, kMessages + 50);
  std::unique_ptr<Consumer> c2 = NewConsumer("svc", "up");
  ASSERT_NE(c2, nullptr);
  std::vector<Message> more = Drain(*c2, 50, absl::Seconds(30));
  // Give any wrongly re-read records a chance to show up.
  auto extra = c2->Poll(1000, absl::Seconds(1));
  ASSERT_TRUE(extra.ok());
  more.insert(more.end(), extra->begin(), extra->end());
  ASSERT_EQ(more.size(), 50u);
  for (const Message& m : more) {
    int seq = 0;
    ASSERT_TRUE(absl::SimpleAtoi(std::string(m.HeaderValue("seq")), &seq));
    EXPECT_GE(seq, kMessages);
  }
  // A different group starts from the beginning (auto.offset.reset=earliest).
  std::unique_ptr<Consumer> other = NewConsumer("other", "up");
  EXPECT_EQ(Drain(*other, kMessages + 50, absl::Seconds(60)).size(), kMessages + 50u);
}

TEST_F(ClientTest, UnmarkedRecordsAreRedeliveredAfterRestart) {
  Produce("small", 0, 20);
  std::unique_ptr<Consumer> c = NewConsumer("g", "small");
  std::vector<Message> got;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (got.size() < 20 && absl::Now() < deadline) {
    auto batch = c->Poll(100, absl::Milliseconds(200));
    ASSERT_TRUE(batch.ok());
    got.insert(got.end(), batch->begin(), batch->end());
  }
  ASSERT_EQ(got.size(), 20u);
  // Only the first record of each partition is marked processed.
  std::vector<Message> first_per_partition;
  std::set<int32_t> seen;
  for (const Message& m : got) {
    if (seen.insert(m.partition).second) first_per_partition.push_back(m);
  }
  ASSERT_TRUE(c->MarkProcessed(first_per_partition).ok());
  ASSERT_TRUE(c->Close().ok());
  c.reset();
  std::unique_ptr<Consumer> again = NewConsumer("g", "small");
  EXPECT_EQ(Drain(*again, 20 - first_per_partition.size(), absl::Seconds(30)).size(),
            20 - first_per_partition.size());
}

TEST_F(ClientTest, GroupMembersShareTheTopic) {
  std::unique_ptr<Consumer> a = NewConsumer("shared", "up");
  std::unique_ptr<Consumer> b = NewConsumer("shared", "up");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Produce("up", 0, 2000);
  std::set<std::string> payloads;
  std::set<int32_t> a_parts, b_parts;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (payloads.size() < 2000 && absl::Now() < deadline) {
    for (auto [c, parts] : {std::pair{a.get(), &a_parts}, std::pair{b.get(), &b_parts}}) {
      auto batch = c->Poll(500, absl::Milliseconds(100));
      ASSERT_TRUE(batch.ok());
      ASSERT_TRUE(c->MarkProcessed(*batch).ok());
      for (const Message& m : *batch) {
        payloads.insert(m.payload);
        parts->insert(m.partition);
      }
    }
  }
  EXPECT_EQ(payloads.size(), 2000u);
  // After the rebalance settles, both members own partitions, disjointly.
  for (int i = 0; i < 20; ++i) {
    a->Poll(100, absl::Milliseconds(50)).IgnoreError();
    b->Poll(100, absl::Milliseconds(50)).IgnoreError();
  }
  std::set<int32_t> owned_a, owned_b;
  for (const auto& p : a->Lag()) owned_a.insert(p.partition);
  for (const auto& p : b->Lag()) owned_b.insert(p.partition);
  EXPECT_FALSE(owned_a.empty());
  EXPECT_FALSE(owned_b.empty());
  EXPECT_EQ(owned_a.size() + owned_b.size(), kPartitions);
  for (int32_t p : owned_a) EXPECT_FALSE(owned_b.count(p)) << p;
}

TEST(ClientConfigTest, RejectsBadConfiguration) {
  auto p = Producer::Create({.bootstrap = "127.0.0.1:1", .overrides = {{"linger.ms", "banana"}}});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), ::testing::HasSubstr("linger.ms"));
  p = Producer::Create({.bootstrap = "127.0.0.1:1", .overrides = {{"no.such.property", "1"}}});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Producer::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
  auto c = Consumer::Create({.bootstrap = "127.0.0.1:1", .group_id = "", .topics = {"t"}});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  c = Consumer::Create({.bootstrap = "127.0.0.1:1", .group_id = "g", .topics = {}});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClientConfigTest, FlushTimesOutWhenNoBrokerIsReachable) {
  auto p = Producer::Create({.bootstrap = "127.0.0.1:1", .overrides = {{"message.timeout.ms", "3000"}}});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Send("t", "k", "v").ok());
  EXPECT_EQ((*p)->Flush(absl::Milliseconds(300)).code(), absl::StatusCode::kDeadlineExceeded);
  // The record then fails delivery at message.timeout.ms and is counted.
  EXPECT_TRUE((*p)->Flush(absl::Seconds(10)).ok());
  EXPECT_EQ((*p)->DeliveryFailures(), 1);
}

TEST(ClientConfigTest, SendReportsAFullLocalQueue) {
  auto p = Producer::Create({.bootstrap = "127.0.0.1:1",
                             .overrides = {{"queue.buffering.max.messages", "10"},
                                           {"message.timeout.ms", "1000"}}});
  ASSERT_TRUE(p.ok());
  absl::Status s;
  int sent = 0;
  while (sent < 100 && (s = (*p)->Send("t", "k", "v")).ok()) ++sent;
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE((*p)->Flush(absl::Seconds(10)).ok());  // all 10 time out and are counted
  EXPECT_EQ((*p)->DeliveryFailures(), 10);
}

}  // namespace
}  // namespace fleet::kafka
