#include "bff/api.h"

#include <set>

#include "bff/api_test_support.h"
#include "bff/grpc_call.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/trace/context.h"
#include "rapidjson/document.h"

namespace fleet::bff {
namespace {

using ApiTest = testing::ApiHarness;

TEST_F(ApiTest, GetPresenceReturnsJson) {
  http::Response r = Call("GET", "/v1/devices/dev-1/presence");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(presence_.last_name, "devices/dev-1/presence");
  auto d = Parse(r.body);
  EXPECT_STREQ(d["deviceId"].GetString(), "dev-1");
  EXPECT_STREQ(d["state"].GetString(), "ONLINE");
  EXPECT_EQ(d["board"]["cpuPercent"].GetDouble(), 12.5);
  EXPECT_GT(presence_.last_context.deadline, absl::Now());
}

TEST_F(ApiTest, ServiceErrorsBecomeAip193WithReasonAndIds) {
  presence_.fail = status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND", "never seen",
                                 {{"device_id", "dev-9"}});
  http::Response r = Call("GET", "/v1/devices/dev-9/presence", {}, {{"x-request-id", "abc-123"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HeaderOf(r, "X-Request-Id"), "abc-123");
  auto d = Parse(r.body);
  EXPECT_EQ(d["error"]["code"].GetInt(), 404);
  EXPECT_STREQ(d["error"]["status"].GetString(), "NOT_FOUND");
  const auto& info = d["error"]["details"][0];
  EXPECT_STREQ(info["reason"].GetString(), "PRESENCE_NOT_FOUND");
  EXPECT_STREQ(info["domain"].GetString(), "fleetd.io");
  EXPECT_STREQ(info["metadata"]["device_id"].GetString(), "dev-9");
  EXPECT_STREQ(info["metadata"]["request_id"].GetString(), "abc-123");
  EXPECT_EQ(std::string(info["metadata"]["trace_id"].GetString()).size(), 32u);
}

TEST_F(ApiTest, UnavailableBackendIs503) {
  presence_.fail = absl::UnavailableError("connection refused");
  http::Response r = Call("GET", "/v1/presence");
  EXPECT_EQ(r.status, 503);
  EXPECT_STREQ(Parse(r.body)["error"]["details"][0]["reason"].GetString(), "BACKEND_UNAVAILABLE");
  EXPECT_EQ(Call("GET", "/readyz").status, 503);
}

TEST_F(ApiTest, ReadinessReportsEveryBackend) {
  http::Response ok = Call("GET", "/readyz");
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto d = Parse(ok.body);
  EXPECT_STREQ(d["backends"]["device_online"].GetString(), "OK");
  EXPECT_STREQ(d["backends"]["device_config"].GetString(), "OK");
  EXPECT_STREQ(d["backends"]["device_config_versions"].GetString(), "OK");
  EXPECT_STREQ(d["backends"]["tunnel"].GetString(), "OK");

  config_.fail = absl::UnavailableError("down");
  http::Response config_down = Call("GET", "/readyz");
  EXPECT_EQ(config_down.status, 503);
  EXPECT_STREQ(Parse(config_down.body)["backends"]["device_config_versions"].GetString(), "UNAVAILABLE");
  config_.fail = absl::OkStatus();

  tunnel_.fail = absl::DeadlineExceededError("slow");
  http::Response bad = Call("GET", "/readyz");
  EXPECT_EQ(bad.status, 503);
  EXPECT_STREQ(Parse(bad.body)["backends"]["tunnel"].GetString(), "DEADLINE_EXCEEDED");
  EXPECT_STREQ(Parse(bad.body)["status"].GetString(), "not ready");
}

TEST_F(ApiTest, UnconfiguredBackendIsReportedButNotUnready) {
  registry_.fail = NotConfigured("device-config");
  config_.fail = NotConfigured("device-config");
  http::Response r = Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Parse(r.body)["backends"]["device_config"].GetString(), "NOT_CONFIGURED");
  EXPECT_STREQ(Parse(r.body)["backends"]["device_config_versions"].GetString(), "NOT_CONFIGURED");
}

TEST_F(ApiTest, EveryBackedRouteIsRegistered) {
  std::set<std::string> routes;
  for (const auto& [m, p] : api_.router().Routes()) routes.insert(m + " " + p);
  for (const char* want :
       {"POST /v1/devices", "GET /v1/devices", "GET /v1/devices/{device}", "PATCH /v1/devices/{device}",
        "DELETE /v1/devices/{device}", "POST /v1/devices:batchGet", "GET /v1/devices:batchGet",
        "POST /v1/devices:import", "GET /v1/devices/{device}:overview", "POST /v1/devices/{device}/tunnels",
        "GET /v1/tunnels/{tunnel}", "POST /v1/tunnels/{tunnel}:extend", "POST /v1/tunnels/{tunnel}:close",
        "GET /v1/tunnels", "GET /v1/devices/{device}/presence", "GET /v1/presence",
        "GET /v1/devices/{device}/config", "POST /v1/devices/{device}/config:apply",
        "POST /v1/devices/{device}/config:rollback", "GET /v1/devices/{device}/config:diff",
        "GET /v1/devices/{device}/config/versions", "GET /v1/devices/{device}/config/versions:diff",
        "GET /v1/devices/{device}/config/versions/{version}", "GET /v1/configTemplates",
        "GET /v1/configTemplates/global", "PUT /v1/configTemplates/global", "DELETE /v1/configTemplates/global",
        "GET /v1/configTemplates/groups/{group}", "PUT /v1/configTemplates/groups/{group}",
        "DELETE /v1/configTemplates/groups/{group}", "GET /v1/configTemplates/labels/{label}",
        "PUT /v1/configTemplates/labels/{label}", "DELETE /v1/configTemplates/labels/{label}"}) {
    EXPECT_TRUE(routes.count(want)) << want;
  }
}

TEST_F(ApiTest, ContinuesCallersTrace) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  http::Response r = Call("GET", "/v1/devices/dev-1/presence", {}, {{"traceparent", tp}});
  ASSERT_EQ(r.status, 200);
  // The backend call runs inside the BFF's server span: same trace, our own span id.
  EXPECT_EQ(presence_.last_trace.TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(presence_.last_trace.SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_EQ(HeaderOf(r, "traceparent").substr(3, 32), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(ApiTest, ListPassesParametersAndValidatesPageSize) {
  http::Response r = Call("GET", "/v1/presence", {{"filter", "online"}, {"page_size", "5"}, {"page_token", "t"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(presence_.last_list.filter(), "online");
  EXPECT_EQ(presence_.last_list.page_size(), 5);
  EXPECT_EQ(presence_.last_list.page_token(), "t");
  auto d = Parse(r.body);
  EXPECT_STREQ(d["nextPageToken"].GetString(), "tok");
  EXPECT_STREQ(d["totalSize"].GetString(), "7");  // int64 is a string in proto3 JSON
  http::Response bad = Call("GET", "/v1/presence", {{"page_size", "ten"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_STREQ(Parse(bad.body)["error"]["details"][0]["metadata"]["field"].GetString(), "page_size");
}

TEST_F(ApiTest, UnknownRouteAndWrongMethod) {
  http::Response nf = Call("GET", "/v1/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_STREQ(Parse(nf.body)["error"]["details"][0]["reason"].GetString(), "ROUTE_NOT_FOUND");
  http::Response na = Call("DELETE", "/v1/presence");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(HeaderOf(na, "Allow"), "GET");
  EXPECT_STREQ(Parse(na.body)["error"]["details"][0]["reason"].GetString(), "METHOD_NOT_ALLOWED");
}

TEST_F(ApiTest, CountsRequestsInMetrics) {
  Call("GET", "/v1/devices/dev-1/presence");
  http::Response m = Call("GET", "/metrics");
  EXPECT_NE(m.body.find(R"(bff_http_requests_total{code="200",method="GET",route="/v1/devices/{device}/presence"} 1)"),
            std::string::npos)
      << m.body;
}

TEST_F(ApiTest, RejectsHostileRequestIds) {
  http::Response r = Call("GET", "/healthz", {}, {{"x-request-id", "a\r\nSet-Cookie: x"}});
  EXPECT_NE(HeaderOf(r, "X-Request-Id"), "a\r\nSet-Cookie: x");
  EXPECT_EQ(HeaderOf(r, "X-Request-Id").size(), 16u);
}

TEST_F(ApiTest, PresenceHistoryPassesParametersAndShapesJson) {
  http::Response r = Call("GET", "/v1/devices/dev-1/presence/history",
                          {{"pageSize", "20"}, {"pageToken", "t1"}, {"startTime", "2027-01-15T08:00:00.5Z"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(presence_.last_history.device(), "devices/dev-1");
  EXPECT_EQ(presence_.last_history.page_size(), 20);
  EXPECT_EQ(presence_.last_history.page_token(), "t1");
  EXPECT_EQ(presence_.last_history.start_time().seconds(), 1'800'000'000);
  EXPECT_EQ(presence_.last_history.start_time().nanos(), 500'000'000);
  auto d = Parse(r.body);
  ASSERT_EQ(d["transitions"].Size(), 2u);
  const auto& on = d["transitions"][0];
  EXPECT_STREQ(on["state"].GetString(), "ONLINE");
  EXPECT_STREQ(on["time"].GetString(), "2027-01-15T08:01:00Z");
  EXPECT_STREQ(on["reason"].GetString(), "uplink");
  EXPECT_STREQ(on["transitionId"].GetString(), "2-0");
  const auto& off = d["transitions"][1];
  EXPECT_STREQ(off["state"].GetString(), "OFFLINE");
  EXPECT_STREQ(off["time"].GetString(), "2027-01-15T08:00:00.250Z");
  EXPECT_STREQ(off["lastSeenTime"].GetString(), "2027-01-15T07:58:20Z");
  EXPECT_STREQ(off["reason"].GetString(), "timeout");
  EXPECT_STREQ(d["nextPageToken"].GetString(), "hist-tok");

  // The AIP names work too; without start_time none is sent.
  ASSERT_EQ(Call("GET", "/v1/devices/dev-1/presence/history", {{"page_size", "7"}}).status, 200);
  EXPECT_EQ(presence_.last_history.page_size(), 7);
  EXPECT_FALSE(presence_.last_history.has_start_time());
}

TEST_F(ApiTest, PresenceHistoryRejectsBadParametersAndPassesServiceErrors) {
  http::Response bad_time = Call("GET", "/v1/devices/dev-1/presence/history", {{"startTime", "yesterday"}});
  EXPECT_EQ(bad_time.status, 400);
  EXPECT_EQ(Reason(bad_time), "INVALID_FIELD");
  auto d = Parse(bad_time.body);
  EXPECT_STREQ(d["error"]["details"][0]["metadata"]["field"].GetString(), "startTime");
  EXPECT_NE(std::string(d["error"]["message"].GetString()).find("RFC 3339"), std::string::npos);
  presence_.last_history.Clear();

  http::Response bad_size = Call("GET", "/v1/devices/dev-1/presence/history", {{"pageSize", "many"}});
  EXPECT_EQ(bad_size.status, 400);
  EXPECT_STREQ(Parse(bad_size.body)["error"]["details"][0]["metadata"]["field"].GetString(), "pageSize");
  EXPECT_TRUE(presence_.last_history.device().empty());  // nothing reached the service

  presence_.fail = status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND", "never seen");
  http::Response nf = Call("GET", "/v1/devices/ghost/presence/history");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "PRESENCE_NOT_FOUND");
  presence_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN", "bad token");
  EXPECT_EQ(Reason(Call("GET", "/v1/devices/dev-1/presence/history", {{"pageToken", "x"}})), "INVALID_PAGE_TOKEN");
}

}  // namespace
}  // namespace fleet::bff
