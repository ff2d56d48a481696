#include "libs/http/client.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/http/server.h"

namespace fleet::http {
namespace {

TEST(ParseUrlTest, SplitsHostPortAndTarget) {
  auto u = ParseUrl("http://127.0.0.1:4318/v1/traces?x=1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 4318);
  EXPECT_EQ(u->target, "/v1/traces?x=1");

  u = ParseUrl("http://collector");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "collector");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");

  u = ParseUrl("http://[::1]:8080/p");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/p");

  u = ParseUrl("http://h:81?q=1#frag");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "h");
  EXPECT_EQ(u->target, "/?q=1");
}

TEST(ParseUrlTest, RejectsWhatItCannotFetch) {
  for (const char* bad :
       {"https://x/", "grpc://x", "x:80/", "http://", "http://:80/", "http://x:99999/",
        "http://x:0/", "http://x:/", "http://x:8a/", "http://[::1/", "http://[::1]x/"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = Server::Start({}, [this](const Request& r) {
      if (r.path == "/slow") {
        while (!release_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return Response{
          200, "text/plain", {}, "host=" + r.Header("host") + " ct=" + r.Header("content-type")};
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    release_ = true;  // before the server joins its threads
    server_.reset();
  }

  std::atomic<bool> release_{false};
  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(FetchTest, TimeoutIsDeadlineExceededAndPrompt) {
  const absl::Time start = absl::Now();
  auto r = Fetch("GET", base_ + "/slow", "", {}, {.timeout = absl::Milliseconds(200)});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_GE(took, absl::Milliseconds(150));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST_F(FetchTest, ZeroTimeoutFailsAtOnceInfiniteWaits) {
  EXPECT_EQ(Fetch("GET", base_ + "/", "", {}, {.timeout = absl::ZeroDuration()}).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  std::thread releaser([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    release_ = true;
  });
  auto r = Fetch("GET", base_ + "/slow", "", {}, {.timeout = absl::InfiniteDuration()});
  releaser.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
}

TEST_F(FetchTest, SendsHostAndDefaultsJsonContentTypeOnlyWhenUnset) {
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  auto r = Fetch("POST", base_ + "/", "{}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "host=" + host + " ct=application/json");
  r = Fetch("POST", base_ + "/", "a=1", {{"content-TYPE", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "host=" + host + " ct=application/x-www-form-urlencoded");
  r = Fetch("GET", base_ + "/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "host=" + host + " ct=");
}

TEST_F(FetchTest, BadRequestsAreInvalidArgument) {
  EXPECT_EQ(Fetch("FROB", base_ + "/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch("GET", "http://127.0.0.1:70000/").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch("GET", base_ + "/", "", {{"Bad Header", "x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch("GET", base_ + "/", "", {{"X-Ok", "a\r\nX-Injected: 1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::http
