// RequestReplyClient against a real kafka-dev process, with a simulated device.
#include "libs/kafka/request_reply.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"
#include "libs/status/status.h"
#include "libs/kafka/testing/kafka_dev_process.h"

namespace fleet::kafka {
namespace {

using ::testing::HasSubstr;

// A fake edge device: consumes its downlink topic and answers every request
// (except type "ignore") on the request's reply_to topic, echoing the body.
class FakeDevice {
 public:
  FakeDevice(const std::string& bootstrap, const std::string& device_id) : id_(device_id) {
    ConsumerOptions options{.bootstrap = bootstrap,
                            .group_id = "device-" + device_id,
                            .topics = {DownlinkTopic("", device_id)},
                            .overrides = {{"session.timeout.ms", "6000"},
                                          {"heartbeat.interval.ms", "500"},
                                          {"fetch.wait.max.ms", "10"}}};
    auto consumer = Consumer::Create(options);
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    auto producer = Producer::Create({.bootstrap = bootstrap, .overrides = {{"linger.ms", "0"}}});
    EXPECT_TRUE(producer.ok()) << producer.status();
    producer_ = *std::move(producer);
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeDevice() {
    stop_ = true;
    thread_.join();
  }

  // Blocks until the device's consumer owns its downlink partitions.
  bool WaitAssigned(absl::Duration limit) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline) {
      if (assigned_.load()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  std::string last_traceparent() {
    absl::MutexLock lock(&mu_);
    return last_traceparent_;
  }
  Envelope last_request() {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }

 private:
  void Run() {
    while (!stop_) {
      auto batch = consumer_->Poll(100, absl::Milliseconds(50));
      ASSERT_TRUE(batch.ok()) << batch.status();
      if (!consumer_->Lag().empty()) assigned_ = true;
      for (const Message& m : *batch) {
        auto req = Decode(m.payload, m.HeaderValue(kContentTypeHeader));
        ASSERT_TRUE(req.ok()) << req.status();
        EXPECT_EQ(m.key, id_);
        {
          absl::MutexLock lock(&mu_);
          last_traceparent_ = std::string(m.HeaderValue("traceparent"));
          last_request_ = *req;
        }
        if (req->type == "ignore") continue;
        Envelope resp;
        resp.kind = EnvelopeKind::kResponse;
        resp.id = req->id;
        resp.sender = "edge/" + id_;
        resp.timestamp = absl::Now();
        resp.description = "done: " + req->type;
        resp.overall_status_code = 200;
        resp.overall_status = "Succeed";
        resp.body_json = req->body_json;
        const bool proto = req->type == "reply.proto";
        std::vector<Header> headers;
        if (proto) headers.push_back({"content-type", std::string(kProtobufContentType)});
        ASSERT_TRUE(producer_
                        ->Send(req->reply_to, id_, proto ? EncodeProto(resp) : EncodeJson(resp),
                               headers)
                        .ok());
      }
      ASSERT_TRUE(consumer_->MarkProcessed(*batch).ok());
    }
  }

  std::string id_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<Producer> producer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> assigned_{false};
  absl::Mutex mu_;
  std::string last_traceparent_;
  Envelope last_request_;
  std::thread thread_;
};

class RequestReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = testing::StartKafkaDev(
        {{"edge.dev-1.down", 1}, {"edge.dev-2.down", 1}, {"fleet.reply.web-0", 4}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = *std::move(kafka);
    auto client = RequestReplyClient::Create(
        {.bootstrap = kafka_->bootstrap(), .reply_topic = "fleet.reply.web-0"});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }
  void TearDown() override {
    client_.reset();
    kafka_.reset();
  }

  static Envelope Request(const std::string& type, const std::string& body = "{}") {
    Envelope e;
    e.type = type;
    e.description = "test";
    e.body_json = body;
    return e;
  }

  std::unique_ptr<testing::KafkaDevProcess> kafka_;
  std::unique_ptr<RequestReplyClient> client_;
};

TEST_F(RequestReplyTest, CallGetsTheMatchingResponse) {
  FakeDevice device(kafka_->bootstrap(), "dev-1");
  ASSERT_TRUE(device.WaitAssigned(absl::Seconds(30)));
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto resp = client_->Call("dev-1", Request("cpu.get", R"({"detail":true})"),
                            absl::Now() + absl::Seconds(10), traceparent);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->kind, EnvelopeKind::kResponse);
  EXPECT_EQ(resp->sender, "edge/dev-1");
  EXPECT_EQ(resp->overall_status_code, 200);
  EXPECT_EQ(resp->description, "done: cpu.get");
  EXPECT_EQ(resp->body_json, R"({"detail":true})");
  EXPECT_EQ(device.last_traceparent(), traceparent);
  const Envelope sent = device.last_request();
  EXPECT_EQ(sent.kind, EnvelopeKind::kRequest);
  EXPECT_EQ(sent.id, resp->id);
  EXPECT_EQ(sent.id.size(), 32u);  // generated
  EXPECT_EQ(sent.sender, "web_backend");
  EXPECT_EQ(sent.reply_to, "fleet.reply.web-0");
  EXPECT_LT(absl::Now() - sent.timestamp, absl::Seconds(10));

  // A protobuf-encoded response is understood too; a caller-chosen id is kept.
  Envelope req = Request("reply.proto", R"({"n":5})");
  req.id = "my-id-1";
  resp = client_->Call("dev-1", req, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->id, "my-id-1");
  EXPECT_EQ(resp->body_json, R"({"n":5})");
}

TEST_F(RequestReplyTest, ConcurrentCallsToSeveralDevicesAreMatchedById) {
  FakeDevice d1(kafka_->bootstrap(), "dev-1");
  FakeDevice d2(kafka_->bootstrap(), "dev-2");
  ASSERT_TRUE(d1.WaitAssigned(absl::Seconds(30)));
  ASSERT_TRUE(d2.WaitAssigned(absl::Seconds(30)));
  constexpr int kThreads = 8, kCallsPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string device = (i + t) % 2 ? "dev-1" : "dev-2";
        const std::string body = absl::StrCat(R"({"t":)", t, R"(,"i":)", i, "}");
        auto resp = client_->Call(device, Request("echo", body), absl::Now() + absl::Seconds(20));
        if (resp.ok() && resp->body_json == body && resp->sender == "edge/" + device) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(client_->UnmatchedResponses(), 0);
}

TEST_F(RequestReplyTest, TimesOutWithDeviceTimeoutReason) {
  FakeDevice device(kafka_->bootstrap(), "dev-1");
  ASSERT_TRUE(device.WaitAssigned(absl::Seconds(30)));
  const absl::Time start = absl::Now();
  auto resp = client_->Call("dev-1", Request("ignore"), start + absl::Milliseconds(700));
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status::Reason(resp.status()), "DEVICE_TIMEOUT");
  EXPECT_GE(took, absl::Milliseconds(690));
  EXPECT_LT(took, absl::Seconds(3));
  // No device at all on an auto-created downlink topic: also a timeout.
  resp = client_->Call("dev-nobody", Request("cpu.get"), absl::Now() + absl::Milliseconds(500));
  EXPECT_EQ(status::Reason(resp.status()), "DEVICE_TIMEOUT");
  // A deadline already in the past fails without sending.
  resp = client_->Call("dev-1", Request("cpu.get"), absl::Now() - absl::Seconds(1));
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(RequestReplyTest, RejectsBadRequests) {
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  EXPECT_EQ(client_->Call("", Request("x"), deadline).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->Call("dev-1", Request(""), deadline).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto bad_body = client_->Call("dev-1", Request("x", "[1]"), deadline);
  EXPECT_EQ(bad_body.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_body.status().message()), HasSubstr("body"));
  EXPECT_EQ(RequestReplyClient::Create({.bootstrap = kafka_->bootstrap()}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::kafka
