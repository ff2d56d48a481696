#include "libs/redis/client.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/redis/test_fixture.h"
#include "libs/testing/servers.h"

namespace fleet::redis {
namespace {

using ::testing::HasSubstr;

class ClientTest : public RedisFixture {
 protected:
  Reply Must(const std::vector<std::string>& argv) {
    auto r = client_->Command(argv);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Reply::Error("failed");
  }
};

TEST(OptionsTest, ParsesAddr) {
  auto o = OptionsFromAddr("10.1.2.3:6380");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "10.1.2.3");
  EXPECT_EQ(o->port, 6380);
  EXPECT_FALSE(OptionsFromAddr("nohost").ok());
  EXPECT_FALSE(OptionsFromAddr("h:0").ok());
  EXPECT_FALSE(OptionsFromAddr("h:x").ok());
}

TEST(ConnectTest, UnreachableFailsFastWithUnavailable) {
  Options o;
  o.port = fleet::testing::FreePort();  // Nothing listens there.
  absl::Time start = absl::Now();
  auto c = Client::Connect(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(c.status().message(), HasSubstr("BACKEND_UNAVAILABLE"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(ClientTest, ReplyTypes) {
  EXPECT_EQ(Must({"SET", "k", "v"}), Reply::Status("OK"));
  EXPECT_EQ(Must({"GET", "k"}), Reply::String("v"));
  EXPECT_TRUE(Must({"GET", "missing"}).is_nil());
  EXPECT_EQ(Must({"INCRBY", "n", "41"}).integer(), 41);
  EXPECT_EQ(Must({"INCR", "n"}), Reply::Integer(42));
  Must({"RPUSH", "l", "a", "b", "c"});
  Reply list = Must({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(list.type(), Reply::Type::kArray);
  EXPECT_EQ(list.elements(),
            (std::vector<Reply>{Reply::String("a"), Reply::String("b"), Reply::String("c")}));
  EXPECT_EQ(list.DebugString(), "[\"a\", \"b\", \"c\"]");
  EXPECT_TRUE(Must({"LRANGE", "nolist", "0", "-1"}).elements().empty());
}

TEST_F(ClientTest, ErrorReplyIsInternalWithText) {
  Must({"SET", "s", "not a number"});
  auto r = client_->Command({"INCR", "s"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("not an integer"));
  auto bad = client_->Command({"NOSUCHCOMMAND"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(client_->Command({}).status().code(), absl::StatusCode::kInvalidArgument);
  // The connection is still fine afterwards.
  EXPECT_EQ(Must({"PING"}), Reply::Status("PONG"));
}

TEST_F(ClientTest, BinarySafe) {
  std::string key("k\0ey\r\n", 6);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\0\0\r\n$3\r\n", 9);
  Must({"SET", key, value});
  Reply got = Must({"GET", key});
  EXPECT_EQ(got.str().size(), value.size());
  EXPECT_EQ(got.str(), value);
  EXPECT_EQ(Must({"STRLEN", key}).integer(), static_cast<int64_t>(value.size()));
}

TEST_F(ClientTest, PipelineTenThousandInOrder) {
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 10000; ++i) {
    if (i == 5000) {
      cmds.push_back({"HSET"});  // Wrong arity: an error reply in the middle.
    } else {
      cmds.push_back({"INCR", "counter"});
    }
  }
  auto replies = client_->Pipeline(cmds);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 10000u);
  int64_t expected = 0;
  for (int i = 0; i < 10000; ++i) {
    if (i == 5000) {
      EXPECT_TRUE((*replies)[i].is_error());
      EXPECT_THAT((*replies)[i].str(), HasSubstr("wrong number of arguments"));
      continue;
    }
    ASSERT_EQ((*replies)[i], Reply::Integer(++expected)) << "at " << i;
  }
  EXPECT_EQ(Must({"GET", "counter"}).str(), "9999");
  auto empty = client_->Pipeline({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(ClientTest, ConcurrentFromEightThreads) {
  Options o = Opts();
  o.pool_size = 4;
  auto c = Client::Connect(o);
  ASSERT_TRUE(c.ok());
  Client& client = **c;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (!client.Command({"INCR", "shared"}).ok()) ++failures;
        auto p = client.Pipeline({{"SET", "t" + std::to_string(t), std::to_string(i)},
                                  {"GET", "t" + std::to_string(t)}});
        if (!p.ok() || (*p)[1].str() != std::to_string(i)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Must({"GET", "shared"}).str(), "4000");
  // Never more than pool_size connections (plus the fixture's one).
  Reply clients = Must({"CLIENT", "LIST"});
  int n = 0;
  for (size_t pos = 0; (pos = clients.str().find("id=", pos)) != std::string::npos; ++pos) ++n;
  EXPECT_LE(n, 4 + 1);
}

TEST_F(ClientTest, UnavailableWhenKilledAndRecoversAfterRestart) {
  Options o = Opts();
  o.command_timeout = absl::Milliseconds(500);
  auto c = Client::Connect(o);
  ASSERT_TRUE(c.ok());
  Client& client = **c;
  // Fill the pool with several open connections.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { (void)client.Command({"BLPOP", "nothing", "0.1"}); });
  }
  for (auto& th : threads) th.join();

  server_->Kill();
  for (int i = 0; i < 3; ++i) {
    auto r = client.Command({"PING"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("BACKEND_UNAVAILABLE"));
  }
  auto p = client.Pipeline({{"PING"}, {"PING"}});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(server_->Restart().ok());
  // Every call succeeds right away: no stale pooled connection is handed out.
  for (int i = 0; i < 10; ++i) {
    auto r = client.Command({"INCR", "after"});
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.status();
    EXPECT_EQ(r->integer(), i + 1);
  }
}

TEST_F(ClientTest, RestartWhileIdleIsInvisible) {
  for (int i = 0; i < 4; ++i) Must({"PING"});
  server_->Kill();
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(Must({"PING"}), Reply::Status("PONG"));
}

TEST_F(ClientTest, CommandTimeoutIsUnavailableAndConnectionIsReplaced) {
  Options o = Opts();
  o.command_timeout = absl::Milliseconds(200);
  o.pool_size = 1;
  auto c = Client::Connect(o);
  ASSERT_TRUE(c.ok());
  absl::Time start = absl::Now();
  auto r = (*c)->Command({"BLPOP", "empty", "2"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  // The late BLPOP reply must not be read as the answer to the next command.
  auto ping = (*c)->Command({"ECHO", "hello"});
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->str(), "hello");
}

TEST_F(ClientTest, PoolExhaustionWaitsForAFreeConnection) {
  Options o = Opts();
  o.command_timeout = absl::Seconds(2);
  o.pool_size = 1;
  auto c = Client::Connect(o);
  ASSERT_TRUE(c.ok());
  std::atomic<bool> started{false};
  std::thread holder([&] {
    started = true;
    (void)(*c)->Command({"BLPOP", "empty", "0.3"});
  });
  while (!started) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(50));
  // Waits for the holder's connection rather than opening a second one.
  EXPECT_TRUE((*c)->Command({"PING"}).ok());
  holder.join();
  Reply clients = Must({"CLIENT", "LIST"});
  EXPECT_EQ(std::count(clients.str().begin(), clients.str().end(), '\n'), 2)  // Pool + fixture.
      << clients.str();
}

TEST_F(ClientTest, ServerDroppingUsMidWriteIsAnErrorNotACrash) {
  // The test runner may have SIGPIPE ignored; make sure it would kill us.
  struct sigaction dfl = {}, old = {};
  dfl.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &old), 0);
  Must({"CONFIG", "SET", "proto-max-bulk-len", "1mb"});
  std::string big(32 << 20, 'x');  // The server drops us long before we finish writing.
  auto r = client_->Command({"SET", "big", big});
  ASSERT_FALSE(r.ok());
  // Either the protocol error reply or the reset connection, but never a dead process.
  EXPECT_THAT(r.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                   absl::StatusCode::kInternal));
  EXPECT_EQ(Must({"PING"}), Reply::Status("PONG"));
  sigaction(SIGPIPE, &old, nullptr);
}

}  // namespace
}  // namespace fleet::redis
