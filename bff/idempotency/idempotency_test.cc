// Guard behaviour, against the in-process store and real Redis.
#include "bff/idempotency/idempotency.h"

#include <rapidjson/document.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/testing/servers.h"

namespace fleet::bff::idempotency {
namespace {

class GuardTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryStore>(clock_);
    } else {
      auto server = testing::RedisServer::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      server_ = std::move(*server);
      auto client = redis::Client::Connect(*redis::OptionsFromAddr(server_->addr()));
      ASSERT_TRUE(client.ok()) << client.status();
      client_ = std::move(*client);
      store_ = std::make_unique<RedisStore>(*client_, "t:");
    }
    guard_ = std::make_unique<Guard>(*store_);
  }

  http::Request Req(std::string key, std::string body = R"({"a":1})", std::string path = "/v1/things") {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.body = std::move(body);
    if (!key.empty()) r.headers["idempotency-key"] = std::move(key);
    return r;
  }

  http::Response Run(const http::Request& r, const std::string& caller = "alice") {
    return guard_->Handle(r, caller, [&] {
      ++runs_;
      http::Response resp;
      resp.status = next_status_;
      resp.body = "{\"run\":" + std::to_string(runs_.load()) + "}";
      resp.headers = {{"X-Thing", "1"}};
      if (slow_) absl::SleepFor(absl::Milliseconds(300));
      return resp;
    });
  }

  static std::string Reason(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    return d.IsObject() && d.HasMember("error") ? d["error"]["details"][0]["reason"].GetString() : "";
  }
  static std::string HeaderOf(const http::Response& r, const std::string& k) {
    for (const auto& [hk, v] : r.headers) {
      if (hk == k) return v;
    }
    return "";
  }

  FakeClock clock_;
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Guard> guard_;
  std::atomic<int> runs_{0};
  int next_status_ = 201;
  bool slow_ = false;
};

TEST_P(GuardTest, RepeatIsReplayedWithoutRunning) {
  http::Response first = Run(Req("k1"));
  EXPECT_EQ(first.status, 201);
  http::Response again = Run(Req("k1"));
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(HeaderOf(again, "X-Thing"), "1");
  EXPECT_EQ(HeaderOf(again, "Idempotency-Replayed"), "true");
  // Another caller's identical key is its own.
  Run(Req("k1"), "bob");
  EXPECT_EQ(runs_.load(), 2);
  // No key: always runs.
  Run(Req(""));
  Run(Req(""));
  EXPECT_EQ(runs_.load(), 4);
}

TEST_P(GuardTest, ReuseWithAnotherRequestIsRefused) {
  Run(Req("k2"));
  http::Response other = Run(Req("k2", R"({"a":2})"));
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(Reason(other), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(Reason(Run(Req("k2", R"({"a":1})", "/v1/other"))), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(runs_.load(), 1);
}

TEST_P(GuardTest, ConcurrentDuplicatesRunOnce) {
  slow_ = true;
  std::atomic<int> in_progress{0}, ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      http::Response r = Run(Req("k3"));
      if (r.status == 409 && Reason(r) == "IDEMPOTENCY_IN_PROGRESS" && HeaderOf(r, "Retry-After") == "1") in_progress++;
      if (r.status == 201) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(ok.load() + in_progress.load(), 8);
  EXPECT_GE(in_progress.load(), 1);
}

TEST_P(GuardTest, ServerErrorsAreNotStored) {
  next_status_ = 503;
  EXPECT_EQ(Run(Req("k4")).status, 503);
  next_status_ = 200;
  EXPECT_EQ(Run(Req("k4")).status, 200);
  EXPECT_EQ(runs_.load(), 2);
  EXPECT_EQ(Run(Req("k4")).status, 200);
  EXPECT_EQ(runs_.load(), 2);
}

TEST_P(GuardTest, BadKeysAndOtherMethods) {
  http::Response bad = Run(Req(std::string(300, 'x')));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Reason(bad), "INVALID_FIELD");
  EXPECT_EQ(Reason(Run(Req("has space"))), "INVALID_FIELD");
  http::Request get = Req("k5");
  get.method = "GET";
  Run(get);
  Run(get);
  EXPECT_EQ(runs_.load(), 2) << "only POST is guarded";
}

INSTANTIATE_TEST_SUITE_P(Backends, GuardTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

TEST(GuardRedisDownTest, RequestsStillRun) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok());
  auto client = redis::Client::Connect(*redis::OptionsFromAddr((*server)->addr()));
  ASSERT_TRUE(client.ok());
  RedisStore store(**client);
  Guard guard(store);
  (*server)->Kill();
  http::Request r;
  r.method = "POST";
  r.path = "/v1/x";
  r.headers["idempotency-key"] = "k";
  int runs = 0;
  auto resp = guard.Handle(r, "alice", [&] {
    ++runs;
    return http::Response{};
  });
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(resp.status, 200);
}

}  // namespace
}  // namespace fleet::bff::idempotency
