#include "services/tunnel/edge/response_consumer.h"

#include <memory>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/memory_store.h"

namespace fleet::tunnel {
namespace {

class FakeChannel : public DeviceChannel {
 public:
  absl::Status SendStart(const StartRequest&) override { return absl::OkStatus(); }
  absl::Status SendStop(std::string_view device, std::string_view session, std::string_view) override {
    stops.push_back(std::string(device) + "/" + std::string(session));
    return absl::OkStatus();
  }
  absl::Status SendExtend(std::string_view, std::string_view, absl::Duration) override { return absl::OkStatus(); }
  std::vector<std::string> stops;
};

class ApplyAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FrpServer s;
    s.name = "a";
    s.public_address = "a.example.com";
    s.token = "t";
    s.port_min = 40000;
    s.port_max = 40010;
    ASSERT_TRUE(store_.SyncPorts({s}).ok());
    broker_ = std::make_unique<TunnelBroker>(BrokerOptions{}, std::vector<FrpServer>{s}, store_,
                                             store_, clock_, &channel_);
    auto r = broker_->Open({"dev-1", "alice", {}, absl::ZeroDuration()});
    ASSERT_TRUE(r.ok()) << r.status();
    id_ = r->session.id;
  }
  DeviceAnswer Answer(DeviceAnswer::Kind kind, std::string device = "dev-1") {
    return DeviceAnswer{kind, id_, std::move(device), "frpc crashed"};
  }
  SessionState State() { return broker_->Get(id_)->state; }

  FakeClock clock_;
  MemoryStore store_;
  FakeChannel channel_;
  prometheus::Registry registry_;
  ResponseMetrics metrics_{registry_};
  std::unique_ptr<TunnelBroker> broker_;
  std::string id_;
};

TEST_F(ApplyAnswerTest, StartedOpensAndStoppedCloses) {
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStarted), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kOpen);
  // Redelivery is harmless.
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStarted), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kOpen);
  ASSERT_TRUE(broker_->Close(id_, "alice", "done").ok());
  EXPECT_EQ(State(), SessionState::kClosing);
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStopFailed), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kClosing);
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStopped), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kClosed);
  EXPECT_EQ(metrics_.applied.Value(), 4);
}

TEST_F(ApplyAnswerTest, StartFailedKeepsTheDevicesReason) {
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStartFailed), metrics_).ok());
  auto s = broker_->Get(id_);
  EXPECT_EQ(s->state, SessionState::kFailed);
  EXPECT_EQ(s->close_reason, "frpc crashed");
}

TEST_F(ApplyAnswerTest, LateStartOfAnEndedSessionIsStopped) {
  ASSERT_TRUE(broker_->OnStartFailed(id_, "deadline").ok());
  channel_.stops.clear();
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStarted), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kFailed);
  ASSERT_EQ(channel_.stops.size(), 1u);
  EXPECT_EQ(channel_.stops[0], "dev-1/" + id_);
  EXPECT_EQ(metrics_.late_stops.Value(), 1);
}

TEST_F(ApplyAnswerTest, AnswersFromAnotherDeviceOrForUnknownSessionsChangeNothing) {
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, Answer(DeviceAnswer::Kind::kStarted, "dev-2"), metrics_).ok());
  EXPECT_EQ(State(), SessionState::kRequested);
  EXPECT_EQ(metrics_.wrong_device.Value(), 1);
  DeviceAnswer unknown{DeviceAnswer::Kind::kStarted, "0123456789abcdef", "dev-1", ""};
  ASSERT_TRUE(ApplyAnswer(*broker_, &channel_, unknown, metrics_).ok());
  EXPECT_EQ(metrics_.unknown.Value(), 1);
  EXPECT_EQ(metrics_.applied.Value(), 0);
}

}  // namespace
}  // namespace fleet::tunnel
