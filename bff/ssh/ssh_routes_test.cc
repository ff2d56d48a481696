// The web SSH route over a real HTTP server, a real WebSocket client and a real sshd; the tunnel
// lookup is faked.
#include "bff/ssh/ssh_routes.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bff/auth/gate.h"
#include "bff/auth/memory_store.h"
#include "bff/ssh/test_sshd.h"
#include "gtest/gtest.h"
#include "libs/http/ws_client.h"
#include "libs/status/status.h"
#include "libs/testing/process.h"

namespace fleet::bff::ssh {
namespace {

class FakeTargets : public TargetResolver {
 public:
  absl::StatusOr<SshTarget> Resolve(const std::string& device, const CallContext&) override {
    std::lock_guard<std::mutex> l(mu);
    if (device == "no-tunnel") return status::MakeError(absl::StatusCode::kNotFound, "SSH_NO_TUNNEL", "none");
    return target;
  }
  absl::Status StillOpen(const std::string&, const CallContext&) override {
    std::lock_guard<std::mutex> l(mu);
    return still_open;
  }
  std::mutex mu;
  SshTarget target;
  absl::Status still_open;
};

class SshRoutesTest : public ::testing::Test {
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

  void Start(SshOptions o = {}) {
    targets_.target = {"127.0.0.1", sshd_->port(), "tunnels/t-1"};
    routes_ = std::make_unique<SshRoutes>(targets_, &audit_, o);
    routes_->Register(router_);
    auto server = http::Server::Start({}, [this](const http::Request& r) {
      Router::Match m = router_.Find(r.method, r.path);
      if (m.handler == nullptr) return http::Response{404, "text/plain", {}, "no route"};
      http::Request req = r;
      req.headers["x-request-id"] = "req-1";
      // The gate's job in production: here "x-test-user" names a signed-in operator.
      auth::Principal who{.kind = auth::Principal::Kind::kUser, .id = r.Header("x-test-user"),
                          .role = auth::Role::kOperator};
      auth::ScopedPrincipal scope(r.Header("x-test-user").empty() ? nullptr : &who);
      return (*m.handler)(req, m.vars);
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (HasFailure() && sshd_) std::cerr << "--- sshd log:\n" << sshd_->LogTail() << "\n";
    server_.reset();
    routes_.reset();
  }

  std::string Origin() const { return absl::StrCat("http://127.0.0.1:", server_->port()); }
  absl::StatusOr<http::WsClient::Connected> Connect(const std::string& device = "gw-1",
                                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (headers.empty()) headers = {{"Origin", Origin()}, {"X-Test-User", "olga"}};
    return http::WsClient::Connect("127.0.0.1", server_->port(), "/v1/devices/" + device + "/ssh", headers);
  }
  std::string KeyAuth(const std::string& key) const {
    std::string escaped;
    for (char c : key) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    return absl::StrCat(R"({"type":"auth","username":")", sshd_->user(), R"(","privateKey":")", escaped,
                        R"(","passphrase":"","cols":100,"rows":30})");
  }
  // Reads frames until the terminal output contains `needle`; text frames go to `texts`.
  std::string ReadUntil(http::WsClient& c, const std::string& needle, std::vector<std::string>* texts = nullptr) {
    std::string out;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!absl::StrContains(out, needle) && absl::Now() < deadline) {
      auto m = c.Read(deadline - absl::Now());
      if (!m.ok()) break;
      if (m->binary) {
        out += m->data;
      } else if (texts != nullptr) {
        texts->push_back(m->data);
      }
    }
    return out;
  }
  std::vector<auth::AuditEntry> AuditOf(const char* method) {
    std::vector<auth::AuditEntry> out;
    auto all = audit_.ListAudit("", 0, 100);
    if (!all.ok()) return out;
    for (auto& e : *all) {
      if (e.method == method) out.push_back(e);
    }
    return out;
  }
  std::unique_ptr<http::WsClient> Authenticated() {
    auto c = Connect();
    EXPECT_TRUE(c.ok() && c->client) << c.status() << " " << (c.ok() ? c->body : "");
    if (!c.ok() || !c->client) return nullptr;
    EXPECT_TRUE(c->client->Send(KeyAuth(sshd_->private_key()), false).ok());
    auto ready = c->client->Read();
    EXPECT_TRUE(ready.ok() && absl::StrContains(ready->data, R"("type":"ready")")) << (ready.ok() ? ready->data : "");
    return std::move(c->client);
  }

  static testing::TestSshd* sshd_;
  FakeTargets targets_;
  auth::MemoryStore audit_;
  Router router_;
  std::unique_ptr<SshRoutes> routes_;
  std::unique_ptr<http::Server> server_;
};

testing::TestSshd* SshRoutesTest::sshd_ = nullptr;

TEST_F(SshRoutesTest, AuthenticatesWithAKeyAndRunsACommand) {
  Start();
  auto c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE(c->client, nullptr) << c->status << " " << c->body;
  ASSERT_TRUE(c->client->Send(KeyAuth(sshd_->private_key()), false).ok());
  auto ready = c->client->Read();
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->data, absl::StrCat(R"({"type":"ready","fingerprint":")", sshd_->host_fingerprint(),
                                      R"(","idleSeconds":600,"maxSeconds":3600})"));
  ASSERT_TRUE(c->client->Send("echo hel''lo\n", true).ok());
  EXPECT_TRUE(absl::StrContains(ReadUntil(*c->client, "hello\r\n"), "hello\r\n"));
  ASSERT_TRUE(c->client->Send(R"({"type":"resize","cols":132,"rows":43})", false).ok());
  ASSERT_TRUE(c->client->Send("stty size\n", true).ok());
  EXPECT_TRUE(absl::StrContains(ReadUntil(*c->client, "43 132"), "43 132"));
  EXPECT_EQ(routes_->active_sessions(), 1);
  ASSERT_TRUE(c->client->Close(1000).ok());
  ASSERT_TRUE(fleet::testing::WaitFor([&] { return AuditOf("ssh.close").size() == 1; }, absl::Seconds(10)).ok());
  EXPECT_TRUE(fleet::testing::WaitFor([&] { return routes_->active_sessions() == 0; }, absl::Seconds(5)).ok());
  auto opened = AuditOf("ssh.open");
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].actor, "olga");
  EXPECT_EQ(opened[0].status, 200);
  EXPECT_EQ(opened[0].request_id, "req-1");
  EXPECT_TRUE(absl::StrContains(opened[0].path, absl::StrCat("/v1/devices/gw-1/ssh?remote=127.0.0.1:", sshd_->port(),
                                                             "&fingerprint=", sshd_->host_fingerprint())))
      << opened[0].path;
  const auto closed = AuditOf("ssh.close")[0];
  EXPECT_TRUE(absl::StrContains(closed.path, "&bytes_in=23&")) << closed.path;  // "echo hel''lo\n" + "stty size\n"
  EXPECT_TRUE(absl::StrContains(closed.path, "reason=CLIENT_CLOSED")) << closed.path;
  auto entries = audit_.ListAudit("", 0, 100);  // kept alive: a range-for over *temporary would dangle
  ASSERT_TRUE(entries.ok()) << entries.status();
  for (const auto& e : *entries) EXPECT_FALSE(absl::StrContains(e.path, "PRIVATE")) << e.path;
}

TEST_F(SshRoutesTest, WrongKeyGetsAnErrorMessageAndTheSocketCloses) {
  Start();
  auto c = Connect();
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  ASSERT_TRUE(c->client->Send(KeyAuth(sshd_->other_private_key()), false).ok());
  auto err = c->client->Read();
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_TRUE(absl::StartsWith(err->data, R"({"type":"error","error":{"code":401,"status":"UNAUTHENTICATED",)"))
      << err->data;
  EXPECT_TRUE(absl::StrContains(err->data, R"("reason":"SSH_AUTH_FAILED"})")) << err->data;
  EXPECT_EQ(c->client->Read().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c->client->close_code(), 1000);
  ASSERT_TRUE(fleet::testing::WaitFor([&] { return AuditOf("ssh.open").size() == 1; }, absl::Seconds(5)).ok());
  EXPECT_EQ(AuditOf("ssh.open")[0].status, 401);
  EXPECT_TRUE(absl::StrContains(AuditOf("ssh.open")[0].path, "reason=SSH_AUTH_FAILED"));
}

TEST_F(SshRoutesTest, GarbageFirstMessageIsAProtocolError) {
  Start();
  auto c = Connect();
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  ASSERT_TRUE(c->client->Send("ls\n", true).ok());
  auto err = c->client->Read();
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_TRUE(absl::StrContains(err->data, R"("reason":"SSH_PROTOCOL_ERROR")")) << err->data;
}

TEST_F(SshRoutesTest, IdleSessionGetsClosedMessage) {
  Start({.idle = absl::Seconds(1)});
  auto c = Authenticated();
  ASSERT_NE(c, nullptr);
  std::vector<std::string> texts;
  ReadUntil(*c, "never printed", &texts);
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back(), R"({"type":"closed","reason":"IDLE_TIMEOUT"})");
  EXPECT_EQ(c->close_code(), 1000);
}

TEST_F(SshRoutesTest, ClosedTunnelEndsTheSession) {
  Start({.tunnel_check_interval = absl::Milliseconds(100)});
  auto c = Authenticated();
  ASSERT_NE(c, nullptr);
  {
    std::lock_guard<std::mutex> l(targets_.mu);
    targets_.still_open = absl::FailedPreconditionError("closed");
  }
  std::vector<std::string> texts;
  ReadUntil(*c, "never printed", &texts);
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back(), R"({"type":"closed","reason":"TUNNEL_CLOSED"})");
}

TEST_F(SshRoutesTest, ShutdownEndsRunningSessions) {
  Start();
  auto c = Authenticated();
  ASSERT_NE(c, nullptr);
  routes_.reset();  // the server still runs; the session is told why it ends
  std::vector<std::string> texts;
  ReadUntil(*c, "never printed", &texts);
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back(), R"({"type":"closed","reason":"SERVER_SHUTDOWN"})");
}

TEST_F(SshRoutesTest, RefusesBeforeUpgrading) {
  Start({.max_sessions = 1});
  const std::string base = absl::StrCat("http://127.0.0.1:", server_->port());
  auto plain = http::Fetch("GET", base + "/v1/devices/gw-1/ssh", "", {{"X-Test-User", "olga"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->status, 400);
  EXPECT_TRUE(absl::StrContains(plain->body, "SSH_PROTOCOL_ERROR")) << plain->body;
  // A signed-in user's browser must send this host as Origin.
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"X-Test-User", "olga"}}, {{"X-Test-User", "olga"}, {"Origin", "http://evil.example"}},
           {{"Origin", "https://evil.example:1234/x"}}}) {
    auto c = Connect("gw-1", headers);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->client, nullptr);
    EXPECT_EQ(c->status, 403);
    EXPECT_TRUE(absl::StrContains(c->body, "SSH_ORIGIN_MISMATCH")) << c->body;
  }
  auto none = Connect("no-tunnel");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 404);
  EXPECT_TRUE(absl::StrContains(none->body, "SSH_NO_TUNNEL")) << none->body;
  auto bad_id = Connect("bad%20id");
  ASSERT_TRUE(bad_id.ok());
  EXPECT_EQ(bad_id->status, 400) << bad_id->body;
  // One session at most: the second is refused until the first ends.
  auto first = Authenticated();
  ASSERT_NE(first, nullptr);
  auto second = Connect();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 429);
  EXPECT_TRUE(absl::StrContains(second->body, "SSH_SESSION_LIMIT")) << second->body;
  ASSERT_TRUE(first->Close(1000).ok());
  ASSERT_TRUE(fleet::testing::WaitFor([&] { return routes_->active_sessions() == 0; }, absl::Seconds(10)).ok());
  auto third = Connect();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->status, 101);
}

}  // namespace
}  // namespace fleet::bff::ssh
