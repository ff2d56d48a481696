#include "bff/router.h"

#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

http::Response Named(std::string name) { return http::Response{200, "text/plain", {}, std::move(name)}; }

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    r_.Add("GET", "/v1/devices/{device}/presence", [](auto&, const PathVars& v) { return Named("presence:" + v.at("device")); });
    r_.Add("GET", "/v1/presence", [](auto&, auto&) { return Named("list"); });
    r_.Add("POST", "/v1/tunnels/{tunnel}:close", [](auto&, const PathVars& v) { return Named("close:" + v.at("tunnel")); });
    r_.Add("GET", "/v1/devices/{device}", [](auto&, const PathVars& v) { return Named("device:" + v.at("device")); });
    r_.Add("GET", "/v1/devices/{device}:overview", [](auto&, const PathVars& v) { return Named("overview:" + v.at("device")); });
  }
  std::string Call(const std::string& method, const std::string& path) {
    auto m = r_.Find(method, path);
    if (!m.handler) return m.method_mismatch ? "405" : "404";
    return (*m.handler)(http::Request{}, m.vars).body;
  }
  Router r_;
};

TEST_F(RouterTest, MatchesVariablesAndVerbs) {
  EXPECT_EQ(Call("GET", "/v1/devices/dev-1/presence"), "presence:dev-1");
  EXPECT_EQ(Call("GET", "/v1/presence"), "list");
  EXPECT_EQ(Call("GET", "/v1/presence/"), "list");
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-9:close"), "close:t-9");
  EXPECT_EQ(Call("HEAD", "/v1/presence"), "list");
}

TEST_F(RouterTest, ColonInAnIdIsNotAVerbUnlessARouteHasThatVerb) {
  EXPECT_EQ(Call("GET", "/v1/devices/gw:7"), "device:gw:7");
  EXPECT_EQ(Call("GET", "/v1/devices/gw:7:overview"), "overview:gw:7");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-7:overview"), "overview:gw-7");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-7"), "device:gw-7");
}

TEST_F(RouterTest, DistinguishesNotFoundFromWrongMethod) {
  EXPECT_EQ(Call("GET", "/v1/devices//presence"), "404");
  EXPECT_EQ(Call("GET", "/v1/devices/a/b/presence"), "404");
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-9:open"), "404");
  EXPECT_EQ(Call("POST", "/v1/tunnels/t-9"), "404");
  EXPECT_EQ(Call("DELETE", "/v1/presence"), "405");
  auto m = r_.Find("DELETE", "/v1/presence");
  EXPECT_EQ(m.allowed, std::vector<std::string>{"GET"});
}

}  // namespace
}  // namespace fleet::bff
