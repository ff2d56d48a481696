#pragma once

#include <memory>

#include "gtest/gtest.h"
#include "libs/redis/client.h"
#include "libs/testing/servers.h"

namespace fleet::redis {

// A fresh redis-server and a Client connected to it with default Options (see Opts()), for the
// tests of libs/redis.
class RedisFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = fleet::testing::RedisServer::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto c = Client::Connect(Opts());
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = std::move(*c);
  }
  // Default Options aimed at the server.
  Options Opts() const {
    Options o;
    o.port = server_->port();
    return o;
  }

  std::unique_ptr<fleet::testing::RedisServer> server_;
  std::unique_ptr<Client> client_;
};

}  // namespace fleet::redis
