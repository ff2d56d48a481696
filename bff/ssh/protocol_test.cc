#include "bff/ssh/protocol.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff::ssh {
namespace {

TEST(ProtocolTest, ParsesPasswordAndKeyAuth) {
  auto a = ParseAuth(R"({"type":"auth","username":"root","password":"pw","cols":120,"rows":40})");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->credentials.username, "root");
  EXPECT_EQ(a->credentials.password, "pw");
  EXPECT_EQ(a->cols, 120);
  EXPECT_EQ(a->rows, 40);
  auto k = ParseAuth(R"({"type":"auth","username":"u","privateKey":"-----BEGIN X-----\nabc\n","passphrase":""})");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->credentials.private_key, "-----BEGIN X-----\nabc\n");
  EXPECT_EQ(k->cols, 80);
  EXPECT_EQ(k->rows, 24);
}

TEST(ProtocolTest, RejectsMalformedAuthWithoutQuotingSecrets) {
  for (const char* bad : {"", "[]", R"({"type":"resize"})", R"({"type":"auth","password":7})",
                          R"({"type":"auth","username":"u","password":"hunter2","cols":0})",
                          R"({"type":"auth","username":"u","password":"hunter2","rows":"x"})"}) {
    auto a = ParseAuth(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(status::Reason(a.status()), "SSH_PROTOCOL_ERROR");
    EXPECT_FALSE(absl::StrContains(a.status().ToString(), "hunter2"));
  }
}

TEST(ProtocolTest, ResizeAndServerMessages) {
  auto r = ParseResize(R"({"type":"resize","cols":100,"rows":30})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 100);
  EXPECT_EQ(r->second, 30);
  EXPECT_FALSE(ParseResize(R"({"type":"resize","cols":100})").has_value());
  EXPECT_FALSE(ParseResize(R"({"type":"ping"})").has_value());
  EXPECT_EQ(ReadyMessage("SHA256:abc", 600, 3600),
            R"({"type":"ready","fingerprint":"SHA256:abc","idleSeconds":600,"maxSeconds":3600})");
  EXPECT_EQ(ClosedMessage("IDLE_TIMEOUT"), R"({"type":"closed","reason":"IDLE_TIMEOUT"})");
  EXPECT_EQ(ErrorMessage(status::MakeError(absl::StatusCode::kUnauthenticated, "SSH_AUTH_FAILED", "no \"way\"")),
            R"({"type":"error","error":{"code":401,"status":"UNAUTHENTICATED","message":"no \"way\"",)"
            R"("reason":"SSH_AUTH_FAILED"}})");
}

}  // namespace
}  // namespace fleet::bff::ssh
