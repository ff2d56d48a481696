// Access control and rate limiting, black-box: two fleet-bff replicas sharing PostgreSQL
// (fleet_bff) and Redis. Sessions and keys work on either replica, a key's rate limit holds
// across both, revocation reaches the other replica within --auth_cache_ttl, and killing Redis
// degrades to per-replica limits instead of failing requests.
#include <pqxx/pqxx>

#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/testing/process.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"
#include "rapidjson/document.h"

namespace fleet {
namespace {

using testing::Process;
using testing::WaitFor;

rapidjson::Document Parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

class BffAccessE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    try {
      pqxx::connection c(pg_->url());
      pqxx::nontransaction tx(c);
      tx.exec("CREATE DATABASE fleet_bff");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    pg_url_ = pg_->url().substr(0, pg_->url().rfind('/') + 1) + "fleet_bff";
    for (int i = 0; i < 2; ++i) {
      ports_[i] = testing::FreePort();
      auto p = Process::Spawn(BffArgs(ports_[i]));
      ASSERT_TRUE(p.ok()) << p.status();
      bff_[i] = std::move(*p);
    }
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(WaitFor([&] {
                    auto r = http::Fetch("GET", Url(i, "/healthz"));
                    return r.ok() && r->status == 200;
                  }, absl::Seconds(20)).ok())
          << bff_[i]->LogTail(3000);
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto& b : bff_) {
        if (b) std::cerr << "--- bff log tail:\n" << b->LogTail(3000) << "\n";
      }
    }
  }

  std::vector<std::string> BffArgs(int port) {
    return {testing::Runfile("bff/fleet-bff"), "--http_port=" + std::to_string(port),
            "--device_online=127.0.0.1:1", "--pg_url=" + pg_url_, "--redis=" + redis_->addr(),
            "--bootstrap_admin=admin:demo-password-1", "--key_rate_limits=5/1m",
            "--password_iterations=10000", "--auth_cache_ttl=1s", "--redis_timeout=100ms"};
  }

  std::string Url(int replica, const std::string& target) {
    return "http://127.0.0.1:" + std::to_string(ports_[replica]) + target;
  }

  http::ClientResponse Do(int replica, const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {}, const std::string& body = "") {
    auto r = http::Fetch(method, Url(replica, target), body, headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : http::ClientResponse{};
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::string pg_url_;
  int ports_[2] = {0, 0};
  std::unique_ptr<Process> bff_[2];
};

TEST_F(BffAccessE2ETest, SignInKeysClusterWideLimitsRevocationAndRedisOutage) {
  // Without a database (and without --auth=disabled) the BFF refuses to start.
  auto refused = Process::Spawn({testing::Runfile("bff/fleet-bff"), "--http_port=0", "--device_online=127.0.0.1:1"});
  ASSERT_TRUE(refused.ok());
  auto code = (*refused)->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 2) << (*refused)->LogTail(1000);

  EXPECT_EQ(Do(0, "GET", "/v1/me").status, 401);
  auto in = Do(0, "POST", "/v1/sessions", {}, R"({"user":"admin","password":"demo-password-1"})");
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string set_cookie = in.headers["set-cookie"];
  ASSERT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  const std::map<std::string, std::string> admin{{"cookie", set_cookie.substr(0, set_cookie.find(';'))}};
  auto me = Do(1, "GET", "/v1/me", admin);  // the other replica knows the session
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_STREQ(Parse(me.body)["role"].GetString(), "admin");

  auto created = Do(0, "POST", "/v1/apiKeys", admin, R"({"displayName":"partner","scope":{"routeClasses":["devices.read"]}})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string key = Parse(created.body)["key"].GetString();
  const std::string id = Parse(created.body)["id"].GetString();
  const std::map<std::string, std::string> bearer{{"authorization", "Bearer " + key}};

  // 5/min per key, cluster-wide: alternating replicas admit 5 in total.
  int admitted = 0, limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = Do(i % 2, "GET", "/v1/me", bearer);
    if (r.status == 200) ++admitted;
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.headers["retry-after"].empty());
      EXPECT_EQ(r.headers["ratelimit-remaining"], "0");
      EXPECT_NE(r.body.find("RATE_LIMITED"), std::string::npos);
    }
  }
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(limited, 5);

  // Revoked on replica 0: at once there, within --auth_cache_ttl on replica 1.
  ASSERT_EQ(Do(0, "POST", "/v1/apiKeys/" + id + ":revoke", admin).status, 200);
  EXPECT_EQ(Do(0, "GET", "/v1/me", bearer).status, 401);
  EXPECT_TRUE(WaitFor([&] { return Do(1, "GET", "/v1/me", bearer).status == 401; }, absl::Seconds(5)).ok());

  auto audit = Do(1, "GET", "/v1/auditLogs?actor=admin", admin);
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("/v1/apiKeys/" + id + ":revoke"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"path\":\"/v1/sessions\""), std::string::npos) << audit.body;

  // Redis dies: requests are still answered, limited per replica, and the fallback is counted.
  redis_->Kill();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Do(0, "GET", "/v1/me", admin).status, 200);
  auto metrics = Do(0, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("bff_ratelimit_fallback_total"), std::string::npos);
  EXPECT_EQ(metrics.body.find("bff_ratelimit_fallback_total 0\n"), std::string::npos);
  EXPECT_NE(bff_[0]->LogTail(20000).find("falls back to in-process limits"), std::string::npos);
}

}  // namespace
}  // namespace fleet
