#include "libs/metrics/admin_server.h"

#include <atomic>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "prometheus/counter.h"

namespace fleet::metrics {
namespace {

using ::testing::HasSubstr;

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_shared<prometheus::Registry>();
    auto& family = prometheus::BuildCounter()
                       .Name("fleet_test_events_total")
                       .Help("Events seen by the test.")
                       .Register(*registry_);
    counter_ = &family.Add({{"kind", "heartbeat"}});
    auto server = AdminServer::Start({}, registry_, [this]() -> absl::Status {
      if (ready_.load()) return absl::OkStatus();
      return absl::UnavailableError("redis not connected");
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  absl::StatusOr<http::ClientResponse> Get(const std::string& path) {
    return http::Fetch("GET", Url(path), "", {}, {.timeout = absl::Seconds(5)});
  }

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* counter_ = nullptr;
  std::atomic<bool> ready_{false};
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, MetricsServesRegistryInTextFormat) {
  counter_->Increment(3);
  auto res = Get("/metrics");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->headers["content-type"], HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(res->body, HasSubstr("# TYPE fleet_test_events_total counter"));
  EXPECT_THAT(res->body, HasSubstr("fleet_test_events_total{kind=\"heartbeat\"} 3"));
}

TEST_F(AdminServerTest, HealthzAlwaysOk) {
  auto res = Get("/healthz");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
}

TEST_F(AdminServerTest, ReadyzFollowsReadyFunction) {
  auto res = Get("/readyz");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(res->body, HasSubstr("redis not connected"));
  ready_ = true;
  res = Get("/readyz");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
}

TEST_F(AdminServerTest, UnknownPathAndMethod) {
  auto res = Get("/nope");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 404);
  res = http::Fetch("POST", Url("/metrics"), "x");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->headers["allow"], "GET, HEAD");
}

TEST_F(AdminServerTest, HeadAnswersWithoutBody) {
  ready_ = true;
  auto res = http::Fetch("HEAD", Url("/readyz"), "", {}, {.timeout = absl::Seconds(5)});
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers["content-length"], "6");  // "ready\n"
  EXPECT_EQ(res->body, "");
}

TEST_F(AdminServerTest, StopRefusesConnections) {
  int port = server_->port();
  server_->Stop();
  auto res = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz", "", {},
                         {.timeout = absl::Seconds(1)});
  EXPECT_EQ(res.status().code(), absl::StatusCode::kUnavailable) << res.status();
}

TEST(AdminServerStartTest, PortInUseIsUnavailable) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto first = AdminServer::Start({}, registry, nullptr);
  ASSERT_TRUE(first.ok());
  AdminServer::Options opts;
  opts.port = (*first)->port();
  auto second = AdminServer::Start(opts, registry, nullptr);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(AdminServer::Start({}, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AdminServer::Start({.address = "not-an-ip"}, registry, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::metrics
