// SshShell and Bridge against a real OpenSSH server (sshd on a loopback port).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "bff/ssh/bridge.h"
#include "bff/ssh/ssh_shell.h"
#include "bff/ssh/test_sshd.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/testing/process.h"

namespace fleet::bff::ssh {
namespace {

// A terminal driven by the test: Type() queues input, output accumulates.
class FakeTerminal : public Terminal {
 public:
  void Push(TerminalEvent ev) {
    std::function<void()> wake;
    {
      std::lock_guard<std::mutex> l(mu_);
      events_.push_back(std::move(ev));
      wake = wake_;
    }
    if (wake) wake();
  }
  void Type(std::string s) { Push({TerminalEvent::Kind::kData, std::move(s)}); }
  std::optional<TerminalEvent> Poll() override {
    std::lock_guard<std::mutex> l(mu_);
    if (events_.empty()) return std::nullopt;
    TerminalEvent ev = std::move(events_.front());
    events_.pop_front();
    return ev;
  }
  absl::Status Output(std::string bytes) override {
    std::lock_guard<std::mutex> l(mu_);
    output_ += bytes;
    return absl::OkStatus();
  }
  void OnInput(std::function<void()> wake) override {
    std::lock_guard<std::mutex> l(mu_);
    wake_ = std::move(wake);
  }
  std::string output() {
    std::lock_guard<std::mutex> l(mu_);
    return output_;
  }
  bool WaitOutput(const std::string& needle, absl::Duration timeout = absl::Seconds(10)) {
    return fleet::testing::WaitFor([&] { return absl::StrContains(output(), needle); }, timeout).ok();
  }

 private:
  std::mutex mu_;
  std::deque<TerminalEvent> events_;
  std::string output_;
  std::function<void()> wake_;
};

class SshBridgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = testing::TestSshd::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    sshd_ = s->release();
  }
  static void TearDownTestSuite() {
    delete sshd_;
    sshd_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure() && sshd_) std::cerr << "--- sshd log:\n" << sshd_->LogTail() << "\n";
  }

  ShellOptions Target() const { return {.host = "127.0.0.1", .port = sshd_->port()}; }
  Credentials Key() const { return {.username = sshd_->user(), .private_key = sshd_->private_key()}; }

  static testing::TestSshd* sshd_;
};

testing::TestSshd* SshBridgeTest::sshd_ = nullptr;

TEST_F(SshBridgeTest, RunsACommandInAPtyAndReadsItsOutput) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  EXPECT_EQ((*shell)->fingerprint(), sshd_->host_fingerprint());
  FakeTerminal term;
  Bridge bridge(**shell, term, {});
  BridgeResult result;
  std::thread runner([&] { result = bridge.Run(); });
  term.Type("echo hel''lo\n");  // the echoed command line does not contain "hello" itself
  EXPECT_TRUE(term.WaitOutput("hello\r\n")) << term.output();
  term.Push({TerminalEvent::Kind::kResize, "", 123, 45});
  term.Type("stty size\n");
  EXPECT_TRUE(term.WaitOutput("45 123")) << term.output();
  term.Type("echo $TERM\n");
  EXPECT_TRUE(term.WaitOutput("xterm-256color")) << term.output();
  term.Push({TerminalEvent::Kind::kClosed});
  runner.join();
  EXPECT_EQ(result.reason, EndReason::kClientClosed);
  EXPECT_EQ(result.bytes_in, static_cast<int64_t>(std::string("echo hel''lo\nstty size\necho $TERM\n").size()));
  EXPECT_EQ(result.bytes_out, static_cast<int64_t>(term.output().size()));
}

TEST_F(SshBridgeTest, ExitEndsWithRemoteClosed) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  FakeTerminal term;
  term.Type("exit\n");
  Bridge bridge(**shell, term, {});
  BridgeResult result = bridge.Run();
  EXPECT_EQ(result.reason, EndReason::kRemoteClosed);
  EXPECT_TRUE(result.error.ok()) << result.error;
}

TEST_F(SshBridgeTest, WrongKeyIsAuthFailed) {
  Credentials c = Key();
  c.private_key = sshd_->other_private_key();
  auto shell = SshShell::Open(Target(), c);
  ASSERT_FALSE(shell.ok());
  EXPECT_EQ(shell.status().code(), absl::StatusCode::kUnauthenticated) << shell.status();
  EXPECT_EQ(status::Reason(shell.status()), "SSH_AUTH_FAILED");
  // Never echo the credentials back.
  EXPECT_FALSE(absl::StrContains(shell.status().ToString(), "PRIVATE KEY"));
}

TEST_F(SshBridgeTest, PasswordsAreRefusedByThisServer) {
  auto shell = SshShell::Open(Target(), {.username = sshd_->user(), .password = "secret"});
  ASSERT_FALSE(shell.ok());
  EXPECT_EQ(status::Reason(shell.status()), "SSH_AUTH_FAILED") << shell.status();
  EXPECT_FALSE(absl::StrContains(shell.status().ToString(), "secret"));
}

TEST_F(SshBridgeTest, UnreadableKeyIsKeyInvalid) {
  Credentials c = Key();
  c.private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n";
  auto shell = SshShell::Open(Target(), c);
  ASSERT_FALSE(shell.ok());
  EXPECT_EQ(status::Reason(shell.status()), "SSH_KEY_INVALID") << shell.status();
  EXPECT_EQ(shell.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SshBridgeTest, NeitherOrBothSecretsAreInvalid) {
  EXPECT_EQ(SshShell::Open(Target(), {.username = "u"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SshShell::Open(Target(), {.username = "u", .password = "p", .private_key = "k"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SshShell::Open(Target(), {.username = "a b", .password = "p"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SshBridgeTest, ClosedPortIsConnectFailed) {
  ShellOptions o = Target();
  o.port = fleet::testing::FreePort();
  o.connect_timeout = absl::Seconds(3);
  auto shell = SshShell::Open(o, Key());
  ASSERT_FALSE(shell.ok());
  EXPECT_EQ(shell.status().code(), absl::StatusCode::kUnavailable) << shell.status();
  EXPECT_EQ(status::Reason(shell.status()), "SSH_CONNECT_FAILED");
}

TEST_F(SshBridgeTest, IdleLimitEndsASilentSession) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  FakeTerminal term;
  Bridge bridge(**shell, term, {.idle = absl::Seconds(1)});
  const absl::Time start = absl::Now();
  BridgeResult result = bridge.Run();
  EXPECT_EQ(result.reason, EndReason::kIdleTimeout);
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(SshBridgeTest, MaxDurationEndsABusySession) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  FakeTerminal term;
  term.Type("while true; do echo tick; sleep 0.2; done\n");
  Bridge bridge(**shell, term, {.idle = absl::Seconds(5), .max = absl::Seconds(2)});
  BridgeResult result = bridge.Run();
  EXPECT_EQ(result.reason, EndReason::kMaxDuration);
  EXPECT_GE(result.duration, absl::Seconds(2));
  EXPECT_TRUE(absl::StrContains(term.output(), "tick"));
}

TEST_F(SshBridgeTest, FailingCheckEndsWithTunnelClosed) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  FakeTerminal term;
  int checks = 0;
  Bridge bridge(**shell, term,
                {.check = [&] { return ++checks < 3 ? absl::OkStatus() : absl::NotFoundError("gone"); },
                 .check_interval = absl::Milliseconds(100)});
  BridgeResult result = bridge.Run();
  EXPECT_EQ(result.reason, EndReason::kTunnelClosed);
  EXPECT_EQ(checks, 3);
}

TEST_F(SshBridgeTest, StopEndsARunningBridge) {
  auto shell = SshShell::Open(Target(), Key());
  ASSERT_TRUE(shell.ok()) << shell.status();
  FakeTerminal term;
  Bridge bridge(**shell, term, {});
  BridgeResult result;
  std::thread runner([&] { result = bridge.Run(); });
  absl::SleepFor(absl::Milliseconds(300));
  bridge.Stop();
  runner.join();
  EXPECT_EQ(result.reason, EndReason::kStopped);
}

}  // namespace
}  // namespace fleet::bff::ssh
