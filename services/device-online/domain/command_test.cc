#include "services/device-online/domain/command.h"

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"
#include "services/device-online/domain/memory_store.h"

namespace fleet::online {
namespace {

class FakeChannel : public CommandChannel {
 public:
  explicit FakeChannel(FakeClock& clock) : clock_(clock) {}
  absl::StatusOr<CommandResult> Call(const CommandRequest& r, absl::Time deadline) override {
    calls.push_back(r);
    deadlines.push_back(deadline);
    clock_.Advance(absl::Milliseconds(120));
    if (!fail.ok()) return fail;
    CommandResult out;
    out.request_id = "req-1";
    out.status_code = 200;
    out.body_json = R"({"ok":true})";
    return out;
  }
  FakeClock& clock_;
  std::vector<CommandRequest> calls;
  std::vector<absl::Time> deadlines;
  absl::Status fail;
};

class CommandRelayTest : public ::testing::Test {
 protected:
  CommandRelayTest() : store_(clock_), query_(store_), channel_(clock_), relay_(query_, channel_, clock_) {
    std::vector<Sighting> s = {{"cam-on", clock_.Now(), {}}, {"cam-off", clock_.Now() - absl::Hours(1), {}}};
    EXPECT_TRUE(store_.Touch(s, clock_.Now()).ok());
    EXPECT_EQ(*store_.SweepOffline(clock_.Now() - absl::Minutes(1), clock_.Now(), 10), 1);
  }
  CommandRequest Req(std::string device, std::string type = "camera.rotate", std::string body = R"({"pan":10})") {
    return {.device_id = std::move(device), .type = std::move(type), .body_json = std::move(body)};
  }
  FakeClock clock_;
  MemoryStore store_;
  PresenceQuery query_;
  FakeChannel channel_;
  CommandRelay relay_;
};

TEST_F(CommandRelayTest, OnlineDeviceGetsTheCommandWithTheDefaultDeadline) {
  const absl::Time start = clock_.Now();
  auto r = relay_.Send(Req("cam-on"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->latency, absl::Milliseconds(120));
  ASSERT_EQ(channel_.calls.size(), 1u);
  EXPECT_EQ(channel_.calls[0].type, "camera.rotate");
  EXPECT_EQ(channel_.deadlines[0], start + absl::Seconds(10));
  // The caller's own deadline caps the wait; camelCase parts are fine.
  CommandRequest capped = Req("cam-on", "camera.startStream");
  capped.not_after = clock_.Now() + absl::Seconds(2);
  ASSERT_TRUE(relay_.Send(capped).ok());
  EXPECT_EQ(channel_.deadlines.back(), capped.not_after);
  // An empty body is an empty object.
  ASSERT_TRUE(relay_.Send(Req("cam-on", "camera.snapshot", "")).ok());
  EXPECT_EQ(channel_.calls.back().body_json, "{}");
}

TEST_F(CommandRelayTest, OfflineDeviceFailsFastAndNothingIsSent) {
  auto r = relay_.Send(Req("cam-off"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status::Reason(r.status()), "DEVICE_OFFLINE");
  EXPECT_EQ(status::Metadata(r.status())["device_id"], "cam-off");
  EXPECT_TRUE(channel_.calls.empty());
  EXPECT_EQ(status::Reason(relay_.Send(Req("never-seen")).status()), "PRESENCE_NOT_FOUND");
  EXPECT_TRUE(channel_.calls.empty());
}

TEST_F(CommandRelayTest, TimeoutBecomesDeviceTimeout) {
  channel_.fail = absl::DeadlineExceededError("no answer");
  auto r = relay_.Send(Req("cam-on"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status::Reason(r.status()), "DEVICE_TIMEOUT");
  channel_.fail = absl::UnavailableError("kafka down");
  EXPECT_EQ(relay_.Send(Req("cam-on")).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(CommandRelayTest, BadInputIsRejectedBeforeAnythingIsSent) {
  struct Case {
    CommandRequest req;
    const char* field;
  };
  CommandRequest long_timeout = Req("cam-on");
  long_timeout.timeout = absl::Seconds(61);
  CommandRequest negative = Req("cam-on");
  negative.timeout = absl::Seconds(-1);
  const std::vector<Case> cases = {
      {Req("bad id!"), "device_id"},
      {Req("cam-on", "rotate"), "type"},
      {Req("cam-on", "Camera.Rotate"), "type"},
      {Req("cam-on", "camera..rotate"), "type"},
      {Req("cam-on", "camera.rotate;rm"), "type"},
      {Req("cam-on", "camera.rotate", "[1]"), "body_json"},
      {Req("cam-on", "camera.rotate", "{"), "body_json"},
      {Req("cam-on", "camera.rotate", std::string(70000, ' ')), "body_json"},
      {long_timeout, "timeout"},
      {negative, "timeout"},
  };
  for (const Case& c : cases) {
    absl::Status st = relay_.Send(c.req).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.field << ": " << st;
    if (std::string(c.field) != "device_id") {
      EXPECT_EQ(status::Metadata(st)["field"], c.field) << st;
    }
  }
  EXPECT_TRUE(channel_.calls.empty());
}

}  // namespace
}  // namespace fleet::online
