#include "bff/commands/camera_routes.h"

#include <google/protobuf/util/time_util.h>
#include <rapidjson/document.h>

#include <atomic>
#include <deque>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/status/status.h"

namespace fleet::bff::commands {
namespace {

// Answers like the simulator's camera (or with a scripted error / status).
class FakeDevice : public CommandBackend {
 public:
  absl::StatusOr<presence::v1::CommandResult> Send(const presence::v1::SendCommandRequest& req,
                                                   const CallContext&) override {
    absl::MutexLock l(&mu_);
    requests.push_back(req);
    if (delay > absl::ZeroDuration()) {
      mu_.Unlock();
      absl::SleepFor(delay);
      mu_.Lock();
    }
    if (!fail.ok()) return fail;
    presence::v1::CommandResult r;
    r.set_request_id("rq-" + std::to_string(requests.size()));
    r.set_status_code(status_code);
    *r.mutable_latency() = google::protobuf::util::TimeUtil::MillisecondsToDuration(12);
    if (req.type() == "camera.startStream") {
      ++streams;
      r.set_body_json(R"({"stream_id":"s)" + std::to_string(streams) + R"(","url":"rtsp://cam/s)" +
                      std::to_string(streams) + R"(","expires_in":300})");
    } else if (req.type() == "camera.snapshot") {
      r.set_body_json(R"({"content_type":"image/png","image_base64":")" + absl::Base64Escape("\x89PNGfake") + "\"}");
    } else {
      r.set_body_json(R"({"ok":true})");
    }
    if (status_code >= 300) r.set_description("camera busy");
    return r;
  }
  int Count(const std::string& type) {
    absl::MutexLock l(&mu_);
    int n = 0;
    for (const auto& r : requests) n += r.type() == type ? 1 : 0;
    return n;
  }
  absl::Mutex mu_;
  std::vector<presence::v1::SendCommandRequest> requests;
  absl::Status fail;
  int status_code = 200;
  int streams = 0;
  absl::Duration delay = absl::ZeroDuration();
};

class CameraRoutesTest : public ::testing::Test {
 protected:
  CameraRoutesTest()
      : clock_(absl::FromUnixSeconds(1'800'000'000)),
        streams_(clock_),
        limiter_([this] { return absl::ToUnixMicros(clock_.Now()); }),
        breaker_({.failure_threshold = 3, .open_for = absl::Seconds(30)}) {
    Build({});
  }
  void Build(CameraOptions options) {
    routes_ = std::make_unique<CameraRoutes>(device_, streams_, &limiter_, breaker_, clock_, options);
    router_ = Router();
    routes_->Register(router_);
  }
  http::Response Post(const std::string& path, const std::string& body, std::map<std::string, std::string> headers = {}) {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.target = path;
    r.body = body;
    r.headers = std::move(headers);
    Router::Match m = router_.Find("POST", path);
    EXPECT_NE(m.handler, nullptr) << path;
    if (m.handler == nullptr) return {};
    return (*m.handler)(r, m.vars);
  }
  static rapidjson::Document Parse(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    return d;
  }
  static std::string Reason(const http::Response& r) {
    auto d = Parse(r);
    if (!d.IsObject() || !d.HasMember("error")) return "";
    return d["error"]["details"][0]["reason"].GetString();
  }

  FakeClock clock_;
  FakeDevice device_;
  MemoryStreamStore streams_;
  ratelimit::LocalLimiter limiter_;
  CircuitBreaker breaker_;
  Router router_;
  std::unique_ptr<CameraRoutes> routes_;
};

TEST_F(CameraRoutesTest, RotateAndZoomReachTheDevice) {
  http::Response r = Post("/v1/devices/gw-1/camera:rotate", R"({"pan":-30.5,"tilt":10})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Parse(r);
  EXPECT_STREQ(d["device"].GetString(), "devices/gw-1");
  EXPECT_STREQ(d["command"].GetString(), "camera.rotate");
  EXPECT_EQ(d["latencyMs"].GetInt(), 12);
  EXPECT_TRUE(d["result"]["ok"].GetBool());
  ASSERT_EQ(device_.requests.size(), 1u);
  EXPECT_EQ(device_.requests[0].device_id(), "gw-1");
  EXPECT_EQ(device_.requests[0].body_json(), R"({"pan":-30.5,"tilt":10})");
  EXPECT_EQ(device_.requests[0].timeout().seconds(), 8);
  ASSERT_EQ(Post("/v1/devices/gw-1/camera:zoom", R"({"level":3})").status, 200);
  EXPECT_EQ(device_.requests[1].body_json(), R"({"level":3})");
}

TEST_F(CameraRoutesTest, BadInputNeverReachesTheDevice) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/devices/gw-1/camera:rotate", "{}"},
      {"/v1/devices/gw-1/camera:rotate", R"({"pan":500})"},
      {"/v1/devices/gw-1/camera:rotate", R"({"pan":"left"})"},
      {"/v1/devices/gw-1/camera:rotate", R"({"pan":1,"speed":2})"},
      {"/v1/devices/gw-1/camera:rotate", "not json"},
      {"/v1/devices/gw-1/camera:zoom", R"({"level":0})"},
      {"/v1/devices/gw-1/camera:zoom", R"({"level":2.5})"},
      {"/v1/devices/gw-1/camera:zoom", "[]"},
      {"/v1/devices/gw-1/camera:startStream", R"({"quality":"8k"})"},
      {"/v1/devices/gw-1/camera:stopStream", R"({"streamId":5})"},
      {"/v1/devices/gw-1/camera:snapshot", R"({"x":1})"},
      {"/v1/devices/bad%20id/camera:snapshot", "{}"},
  };
  for (const auto& [path, body] : cases) {
    http::Response r = Post(path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body << " -> " << r.body;
    EXPECT_EQ(Reason(r), "INVALID_FIELD") << path << " " << body;
  }
  EXPECT_TRUE(device_.requests.empty());
}

TEST_F(CameraRoutesTest, StartStreamLoopSendsOneCommand) {
  Build({.device_limits = {}});  // the stream registry alone must stop the loop
  std::string first;
  for (int i = 0; i < 1000; ++i) {
    http::Response r = Post("/v1/devices/gw-1/camera:startStream", R"({"quality":"hd"})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = Parse(r);
    if (i == 0) {
      first = d["stream"]["streamId"].GetString();
      EXPECT_FALSE(d["reused"].GetBool());
    } else {
      EXPECT_EQ(d["stream"]["streamId"].GetString(), first);
      EXPECT_TRUE(d["reused"].GetBool());
    }
  }
  EXPECT_EQ(device_.Count("camera.startStream"), 1);
  // Stopping, then starting again, starts a new stream.
  ASSERT_EQ(Post("/v1/devices/gw-1/camera:stopStream", "").status, 200);
  EXPECT_EQ(device_.requests.back().body_json(), R"({"stream_id":"s1"})");
  auto again = Parse(Post("/v1/devices/gw-1/camera:startStream", ""));
  EXPECT_STREQ(again["stream"]["streamId"].GetString(), "s2");
  // The stream ends (minus the margin): the next start is a new one.
  clock_.Advance(absl::Seconds(296));
  EXPECT_STREQ(Parse(Post("/v1/devices/gw-1/camera:startStream", ""))["stream"]["streamId"].GetString(), "s3");
}

TEST_F(CameraRoutesTest, ConcurrentStartsAreSingleFlight) {
  Build({.device_limits = {}});
  device_.delay = absl::Milliseconds(200);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      if (Post("/v1/devices/gw-1/camera:startStream", "").status == 200) ok.fetch_add(1);
    });
  }
  // The waiters poll the store with the (fake) clock: move it while they wait.
  for (int i = 0; i < 30 && ok.load() < 20; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    clock_.Advance(absl::Milliseconds(100));
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(device_.Count("camera.startStream"), 1);
}

TEST_F(CameraRoutesTest, PerDeviceRateLimit) {
  Build({.device_limits = {{5, absl::Seconds(1)}}});
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    http::Response r = Post("/v1/devices/gw-1/camera:zoom", R"({"level":2})");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(Reason(r), "RATE_LIMITED");
      bool has_retry = false;
      for (const auto& [k, v] : r.headers) has_retry |= k == "Retry-After";
      EXPECT_TRUE(has_retry);
    }
  }
  EXPECT_EQ(limited, 15);
  EXPECT_EQ(device_.Count("camera.zoom"), 5);
  EXPECT_EQ(Post("/v1/devices/gw-2/camera:zoom", R"({"level":2})").status, 200) << "other devices unaffected";
}

TEST_F(CameraRoutesTest, DeviceFailuresMapAndOpenTheBreaker) {
  Build({.device_limits = {}});
  device_.status_code = 400;
  http::Response rejected = Post("/v1/devices/gw-1/camera:zoom", R"({"level":2})");
  EXPECT_EQ(rejected.status, 400);
  EXPECT_EQ(Reason(rejected), "DEVICE_REJECTED_COMMAND");
  device_.status_code = 500;
  for (int i = 0; i < 3; ++i) {
    http::Response r = Post("/v1/devices/gw-1/camera:zoom", R"({"level":2})");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(Reason(r), "DEVICE_COMMAND_FAILED");
  }
  const size_t sent = device_.requests.size();
  http::Response open = Post("/v1/devices/gw-1/camera:zoom", R"({"level":2})");
  EXPECT_EQ(open.status, 503);
  EXPECT_EQ(Reason(open), "CIRCUIT_OPEN");
  EXPECT_EQ(device_.requests.size(), sent) << "an open circuit sends nothing";
  // Timeouts count too; offline does not.
  device_.status_code = 200;
  device_.fail = status::MakeError(absl::StatusCode::kUnavailable, "DEVICE_OFFLINE", "offline");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Reason(Post("/v1/devices/gw-2/camera:snapshot", "{}")), "DEVICE_OFFLINE");
  device_.fail = status::MakeError(absl::StatusCode::kDeadlineExceeded, "DEVICE_TIMEOUT", "slow");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Post("/v1/devices/gw-2/camera:snapshot", "{}").status, 504);
  EXPECT_EQ(Reason(Post("/v1/devices/gw-2/camera:snapshot", "{}")), "CIRCUIT_OPEN");
  // After open_for, a successful probe closes it.
  device_.fail = absl::OkStatus();
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(Post("/v1/devices/gw-2/camera:snapshot", "{}").status, 200);
  EXPECT_EQ(Post("/v1/devices/gw-2/camera:snapshot", "{}").status, 200);
}

TEST_F(CameraRoutesTest, SnapshotAsJsonOrImage) {
  auto d = Parse(Post("/v1/devices/gw-1/camera:snapshot", ""));
  EXPECT_STREQ(d["result"]["content_type"].GetString(), "image/png");
  http::Response img = Post("/v1/devices/gw-1/camera:snapshot", "", {{"accept", "image/png"}});
  ASSERT_EQ(img.status, 200);
  EXPECT_EQ(img.content_type, "image/png");
  EXPECT_EQ(img.body, "\x89PNGfake");
}

}  // namespace
}  // namespace fleet::bff::commands
