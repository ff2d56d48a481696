#include "libs/testing/servers.h"

#include <signal.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libs/testing/process.h"

namespace fleet::testing {
namespace {

using ::testing::HasSubstr;

TEST(FreePortTest, ReturnsUsablePort) {
  int port = FreePort();
  EXPECT_GT(port, 0);
  EXPECT_LT(port, 65536);
}

TEST(WaitForTest, SucceedsAndTimesOut) {
  int n = 0;
  EXPECT_TRUE(WaitFor([&] { return ++n >= 3; }, absl::Seconds(5), absl::Milliseconds(1)).ok());
  EXPECT_EQ(WaitFor([] { return false; }, absl::Milliseconds(30)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(ProcessTest, CapturesOutputEnvAndExitCode) {
  auto p = Process::Spawn({"sh", "-c", "echo out-$FOO; echo err >&2; exit 3"}, {{"FOO", "bar"}});
  ASSERT_TRUE(p.ok()) << p.status();
  auto code = (*p)->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_THAT((*p)->LogTail(100), HasSubstr("out-bar"));
  EXPECT_THAT((*p)->LogTail(100), HasSubstr("err"));
}

TEST(ProcessTest, MissingBinaryIsAnError) {
  auto p = Process::Spawn({"/nonexistent/binary"});
  EXPECT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("No such file"));
}

TEST(ProcessTest, TerminateGracefulAndForced) {
  auto p = Process::Spawn({"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.05; done"});
  ASSERT_TRUE(p.ok());
  // Give the shell time to install its trap.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE((*p)->Terminate(absl::Seconds(5)).ok());
  EXPECT_FALSE((*p)->Running());

  auto q = Process::Spawn({"sh", "-c", "trap '' TERM; while true; do sleep 0.05; done"});
  ASSERT_TRUE(q.ok());
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ((*q)->Terminate(absl::Milliseconds(300)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE((*q)->Running());
}

TEST(ProcessTest, KillTakesTheWholeGroup) {
  std::string pidfile = std::string(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp") +
                        "/grandchild.pid";
  auto p = Process::Spawn({"sh", "-c", "sleep 60 & echo $! > " + pidfile + "; wait"});
  ASSERT_TRUE(p.ok());
  pid_t grandchild = 0;
  ASSERT_TRUE(WaitFor(
                  [&] {
                    std::ifstream in(pidfile);
                    return static_cast<bool>(in >> grandchild);
                  },
                  absl::Seconds(5))
                  .ok());
  (*p)->Kill();
  // The grandchild is reparented and reaped by init; it must disappear.
  EXPECT_TRUE(WaitFor([&] { return kill(grandchild, 0) != 0; }, absl::Seconds(5)).ok());
}

TEST(ProcessTest, KillTakesDescendantsThatLeftTheGroup) {
  std::string pidfile = std::string(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp") +
                        "/escaped.pid";
  unlink(pidfile.c_str());
  auto p = Process::Spawn({"sh", "-c", "setsid sleep 60 & echo $! > " + pidfile + "; wait"});
  ASSERT_TRUE(p.ok());
  pid_t escaped = 0;
  ASSERT_TRUE(WaitFor(
                  [&] {
                    std::ifstream in(pidfile);
                    return static_cast<bool>(in >> escaped) && getpgid(escaped) == escaped;
                  },
                  absl::Seconds(5))
                  .ok());
  ASSERT_NE(getpgid(escaped), (*p)->pid());
  (*p)->Kill();
  EXPECT_TRUE(WaitFor([&] { return kill(escaped, 0) != 0; }, absl::Seconds(5)).ok());
}

TEST(RedisServerTest, StartsKillsRestarts) {
  auto s = RedisServer::Start();
  ASSERT_TRUE(s.ok()) << s.status();
  int port = (*s)->port();
  std::string log;
  auto code = RunCommand({"redis-cli", "-p", std::to_string(port), "PING"}, absl::Seconds(5), &log);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(log, HasSubstr("PONG"));
  (*s)->Kill();
  ASSERT_TRUE((*s)->Restart().ok());
  EXPECT_EQ((*s)->port(), port);
}

TEST(PostgresServerTest, StartsAndAnswers) {
  auto s = PostgresServer::Start();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT((*s)->url(), HasSubstr("postgresql://postgres@127.0.0.1:"));
  std::string log;
  auto code = RunCommand({"psql", (*s)->url(), "-Atc", "select 40+2"}, absl::Seconds(10), &log);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << log;
  EXPECT_THAT(log, HasSubstr("42"));
  // Backends call setsid(), so they are not in the postmaster's group; Kill gets them anyway.
  std::string children;
  auto found = RunCommand({"pgrep", "-P", std::to_string((*s)->pid())}, absl::Seconds(5),
                          &children);
  ASSERT_TRUE(found.ok());
  std::vector<pid_t> backends;
  for (absl::string_view tok : absl::StrSplit(children, absl::ByAnyChar(" \n"))) {
    pid_t pid;
    if (absl::SimpleAtoi(tok, &pid) && pid > 0) backends.push_back(pid);
  }
  ASSERT_GE(backends.size(), 3u) << children;
  (*s)->Kill();
  for (pid_t b : backends) {
    std::ifstream stat("/proc/" + std::to_string(b) + "/stat");
    std::string line;
    if (std::getline(stat, line)) {
      EXPECT_NE(line.find(") Z"), std::string::npos) << "backend still alive: " << line;
    }
  }
  code = RunCommand({"psql", (*s)->url(), "-Atc", "select 1"}, absl::Seconds(10), &log);
  ASSERT_TRUE(code.ok());
  EXPECT_NE(*code, 0);
}

}  // namespace
}  // namespace fleet::testing
