#include "bff/tunnel_routes.h"

#include "bff/api_test_support.h"
#include "bff/grpc_call.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

class TunnelRoutesTest : public testing::ApiHarness {
 protected:
  TunnelRoutesTest() { registry_.Add("gw-1"); }
  const std::map<std::string, std::string> alice_ = access_.SessionOf("alice@ops", "operator");
};

TEST_F(TunnelRoutesTest, UnknownDeviceIs404AndNothingIsOpened) {
  http::Response r = Call("POST", "/v1/devices/gw-unknown/tunnels", {}, alice_);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Reason(r), "DEVICE_NOT_FOUND");
  EXPECT_TRUE(tunnel_.last_open.device_id().empty()) << "the tunnel service was called";
}

TEST_F(TunnelRoutesTest, OpenSaysHowToConnect) {
  http::Response r = Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_, R"({"services":["ssh"],"ttl":"900s"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(tunnel_.last_open.device_id(), "gw-1");
  EXPECT_EQ(tunnel_.last_open.operator_id(), "alice@ops");
  ASSERT_EQ(tunnel_.last_open.services_size(), 1);
  EXPECT_EQ(tunnel_.last_open.ttl().seconds(), 900);
  auto d = Parse(r.body);
  EXPECT_STREQ(d["name"].GetString(), "tunnels/t-1");
  EXPECT_STREQ(d["state"].GetString(), "REQUESTED");
  EXPECT_STREQ(d["publicAddress"].GetString(), "frp1.example.com");
  EXPECT_EQ(d["services"][0]["remotePort"].GetInt(), 40012);
  EXPECT_STREQ(d["sshCommand"].GetString(), "ssh -p 40012 root@frp1.example.com");
  EXPECT_GT(tunnel_.last_context.deadline, absl::Now());
}

TEST_F(TunnelRoutesTest, OpenWithEmptyBodyUsesDefaults) {
  ASSERT_EQ(Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_).status, 200);
  EXPECT_EQ(tunnel_.last_open.services_size(), 0);
  EXPECT_FALSE(tunnel_.last_open.has_ttl());
}

TEST_F(TunnelRoutesTest, OperatorComesFromTheSignedInUser) {
  http::Response none = CallAnonymous("POST", "/v1/devices/gw-1/tunnels");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Reason(none), "AUTH_REQUIRED");
  EXPECT_EQ(CallAnonymous("POST", "/v1/tunnels/t-1:extend").status, 401);
  EXPECT_EQ(CallAnonymous("POST", "/v1/tunnels/t-1:close").status, 401);
  EXPECT_EQ(tunnel_.last_open.device_id(), "");  // nothing reached the service
  // A client-sent X-Fleet-Operator header is ignored: the operator is the session's user.
  auto headers = alice_;
  headers["x-fleet-operator"] = "mallory";
  ASSERT_EQ(Call("POST", "/v1/devices/gw-1/tunnels", {}, headers).status, 200);
  EXPECT_EQ(tunnel_.last_open.operator_id(), "alice@ops");
}

TEST_F(TunnelRoutesTest, BodyCannotOverrideIdentity) {
  EXPECT_EQ(Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_, R"({"operatorId":"mallory"})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_, R"({"deviceId":"gw-2"})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-1:close", {}, alice_, R"({"name":"tunnels/t-2"})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-1:extend", {}, alice_, R"({"operatorId":"bob"})").status, 400);
  EXPECT_EQ(tunnel_.last_open.device_id(), "");
}

TEST_F(TunnelRoutesTest, BadBodiesAre400) {
  for (const char* body : {"{", R"({"ttl":"forever"})", R"({"services":{"a":1}})", R"({"port":22})"}) {
    http::Response r = Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(Reason(r), "INVALID_FIELD") << body;
  }
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-1:extend", {}, alice_, R"({"extension":5})").status, 400);
  EXPECT_EQ(tunnel_.last_open.device_id(), "");
}

TEST_F(TunnelRoutesTest, GetExtendClose) {
  http::Response g = Call("GET", "/v1/tunnels/t-1");
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(tunnel_.last_get.name(), "tunnels/t-1");

  http::Response e = Call("POST", "/v1/tunnels/t-1:extend", {}, alice_, R"({"extension":"600s"})");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(tunnel_.last_extend.name(), "tunnels/t-1");
  EXPECT_EQ(tunnel_.last_extend.extension().seconds(), 600);
  EXPECT_EQ(tunnel_.last_extend.operator_id(), "alice@ops");

  http::Response c = Call("POST", "/v1/tunnels/t-1:close", {}, alice_, R"({"reason":"done"})");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(tunnel_.last_close.name(), "tunnels/t-1");
  EXPECT_EQ(tunnel_.last_close.reason(), "done");
  EXPECT_EQ(tunnel_.last_close.operator_id(), "alice@ops");
  EXPECT_STREQ(Parse(c.body)["state"].GetString(), "CLOSING");
}

TEST_F(TunnelRoutesTest, ListFilters) {
  http::Response r = Call("GET", "/v1/tunnels",
                          {{"device", "gw-1"}, {"state", "open"}, {"page_size", "5"}, {"page_token", "pt"},
                           {"operator", "alice"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(tunnel_.last_list.device_id(), "gw-1");
  EXPECT_EQ(tunnel_.last_list.operator_id(), "alice");
  EXPECT_EQ(tunnel_.last_list.state(), tunnel::v1::OPEN);
  EXPECT_EQ(tunnel_.last_list.page_size(), 5);
  EXPECT_EQ(tunnel_.last_list.page_token(), "pt");
  auto d = Parse(r.body);
  EXPECT_EQ(d["sessions"].Size(), 1u);
  EXPECT_STREQ(d["nextPageToken"].GetString(), "more");

  http::Response bad = Call("GET", "/v1/tunnels", {{"state", "ajar"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_STREQ(Parse(bad.body)["error"]["details"][0]["metadata"]["field"].GetString(), "state");
  EXPECT_EQ(Call("GET", "/v1/tunnels", {{"state", "STATE_UNSPECIFIED"}}).status, 400);
  EXPECT_EQ(Call("GET", "/v1/tunnels", {{"page_size", "x"}}).status, 400);
}

TEST_F(TunnelRoutesTest, ServiceErrorsKeepTheirReason) {
  const struct {
    absl::Status st;
    int http;
    const char* reason;
  } cases[] = {
      {status::MakeError(absl::StatusCode::kResourceExhausted, "TUNNEL_PORTS_EXHAUSTED", "no ports"), 429,
       "TUNNEL_PORTS_EXHAUSTED"},
      {status::MakeError(absl::StatusCode::kResourceExhausted, "TUNNEL_OPERATOR_CAP", "cap", {{"cap", "3"}}), 429,
       "TUNNEL_OPERATOR_CAP"},
      {status::MakeError(absl::StatusCode::kInvalidArgument, "TUNNEL_TTL_CAP", "too long"), 400, "TUNNEL_TTL_CAP"},
      {status::MakeError(absl::StatusCode::kNotFound, "TUNNEL_NOT_FOUND", "none"), 404, "TUNNEL_NOT_FOUND"},
      {status::MakeError(absl::StatusCode::kFailedPrecondition, "TUNNEL_CLOSED", "ended"), 400, "TUNNEL_CLOSED"},
      {NotConfigured("tunnel"), 503, "BACKEND_UNAVAILABLE"},
  };
  for (const auto& c : cases) {
    tunnel_.fail = c.st;
    http::Response open = Call("POST", "/v1/devices/gw-1/tunnels", {}, alice_);
    EXPECT_EQ(open.status, c.http) << c.st;
    EXPECT_EQ(Reason(open), c.reason);
    EXPECT_EQ(Call("POST", "/v1/tunnels/t-1:extend", {}, alice_).status, c.http);
    EXPECT_EQ(Call("GET", "/v1/tunnels/t-1").status, c.http);
  }
  EXPECT_STREQ(Parse(Call("GET", "/v1/tunnels").body)["error"]["message"].GetString(), "tunnel is not configured");
}

}  // namespace
}  // namespace fleet::bff
