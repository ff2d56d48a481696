#include "bff/device_routes.h"

#include "bff/api_test_support.h"
#include "bff/grpc_call.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

using DeviceRoutesTest = testing::ApiHarness;

TEST_F(DeviceRoutesTest, CreateTakesIdFromQueryOrBody) {
  http::Response r = Call("POST", "/v1/devices", {{"device_id", "gw-1"}}, {},
                          R"({"displayName":"Gate 1","model":"gw-200","labels":{"site":"north"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(registry_.last_create.device().id(), "gw-1");
  EXPECT_EQ(registry_.last_create.device().labels().at("site"), "north");
  auto d = Parse(r.body);
  EXPECT_STREQ(d["name"].GetString(), "devices/gw-1");
  EXPECT_STREQ(d["displayName"].GetString(), "Gate 1");
  EXPECT_STREQ(d["etag"].GetString(), "e1");

  ASSERT_EQ(Call("POST", "/v1/devices", {}, {}, R"({"id":"gw-2"})").status, 200);
  EXPECT_EQ(registry_.last_create.device().id(), "gw-2");
  EXPECT_GT(registry_.last_context.deadline, absl::Now());
}

TEST_F(DeviceRoutesTest, CreateErrors) {
  registry_.Add("gw-1");
  http::Response dup = Call("POST", "/v1/devices", {}, {}, R"({"id":"gw-1"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(Reason(dup), "DEVICE_ALREADY_EXISTS");

  http::Response mismatch = Call("POST", "/v1/devices", {{"device_id", "a"}}, {}, R"({"id":"b"})");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(Reason(mismatch), "INVALID_FIELD");

  http::Response no_id = Call("POST", "/v1/devices", {}, {}, R"({"model":"gw-200"})");
  EXPECT_EQ(no_id.status, 400);
  EXPECT_STREQ(Parse(no_id.body)["error"]["details"][0]["metadata"]["field"].GetString(), "device_id");
}

TEST_F(DeviceRoutesTest, BadBodiesAre400WithAClearMessage) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "not a valid JSON Device"},
      {R"({"id":"x","color":"red"})", "not a valid JSON Device"},  // unknown field
      {R"({"id":42})", "not a valid JSON Device"},                  // wrong type
      {R"(["id"])", "not a valid JSON Device"},
      {"", "must be a JSON Device object"},
  };
  for (const auto& [body, want] : cases) {
    http::Response r = Call("POST", "/v1/devices", {}, {}, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(Reason(r), "INVALID_FIELD") << body;
    auto d = Parse(r.body);
    EXPECT_NE(std::string(d["error"]["message"].GetString()).find(want), std::string::npos) << r.body;
    EXPECT_STREQ(d["error"]["details"][0]["metadata"]["field"].GetString(), "body");
  }
  EXPECT_TRUE(registry_.last_create.device().id().empty());  // nothing reached the service
  EXPECT_EQ(Call("PATCH", "/v1/devices/gw-1", {}, {}, "{").status, 400);
  EXPECT_EQ(Call("POST", "/v1/devices:batchGet", {}, {}, "[1,2]").status, 400);
}

TEST_F(DeviceRoutesTest, GetAndNotFound) {
  registry_.Add("gw-1");
  http::Response r = Call("GET", "/v1/devices/gw-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(registry_.last_get.name(), "devices/gw-1");
  EXPECT_STREQ(Parse(r.body)["model"].GetString(), "gw-200");
  EXPECT_STREQ(Parse(r.body)["hardwareRevision"].GetString(), "");  // defaults are printed

  http::Response nf = Call("GET", "/v1/devices/nope", {}, {{"x-request-id", "rq-1"}});
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Reason(nf), "DEVICE_NOT_FOUND");
  EXPECT_STREQ(Parse(nf.body)["error"]["details"][0]["metadata"]["request_id"].GetString(), "rq-1");
  EXPECT_EQ(registry_.last_context.request_id, "rq-1");
}

TEST_F(DeviceRoutesTest, PatchMapsMaskAndEtag) {
  registry_.Add("gw-1");
  http::Response r = Call("PATCH", "/v1/devices/gw-1", {{"update_mask", "displayName,labels.site,group"}}, {},
                          R"({"displayName":"New","etag":"e1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& req = registry_.last_update;
  EXPECT_EQ(req.device().name(), "devices/gw-1");
  EXPECT_EQ(req.device().etag(), "e1");
  ASSERT_EQ(req.update_mask().paths_size(), 3);
  EXPECT_EQ(req.update_mask().paths(0), "display_name");
  EXPECT_EQ(req.update_mask().paths(1), "labels.site");
  EXPECT_EQ(req.update_mask().paths(2), "group");
  EXPECT_STREQ(Parse(r.body)["displayName"].GetString(), "New");

  // If-Match carries the etag too; a stale one is 409 ABORTED with the service's reason.
  http::Response stale = Call("PATCH", "/v1/devices/gw-1", {}, {{"if-match", "\"e1\""}}, R"({"displayName":"X"})");
  EXPECT_EQ(registry_.last_update.device().etag(), "e1");
  EXPECT_EQ(stale.status, 409);
  EXPECT_STREQ(Parse(stale.body)["error"]["status"].GetString(), "ABORTED");
  EXPECT_EQ(Reason(stale), "DEVICE_ETAG_MISMATCH");
}

TEST_F(DeviceRoutesTest, PatchRejectsConflictingIdentity) {
  registry_.Add("gw-1");
  EXPECT_EQ(Call("PATCH", "/v1/devices/gw-1", {}, {}, R"({"id":"gw-2"})").status, 400);
  EXPECT_EQ(Call("PATCH", "/v1/devices/gw-1", {}, {}, R"({"name":"devices/gw-2"})").status, 400);
  http::Response etags = Call("PATCH", "/v1/devices/gw-1", {}, {{"if-match", "a"}}, R"({"etag":"b"})");
  EXPECT_EQ(etags.status, 400);
  EXPECT_STREQ(Parse(etags.body)["error"]["details"][0]["metadata"]["field"].GetString(), "etag");
  EXPECT_EQ(registry_.last_update.device().name(), "");  // none reached the service
}

TEST_F(DeviceRoutesTest, DeleteWithOptionalEtag) {
  registry_.Add("gw-1");
  registry_.Add("gw-2");
  http::Response stale = Call("DELETE", "/v1/devices/gw-1", {{"etag", "old"}});
  EXPECT_EQ(stale.status, 409);
  http::Response ok = Call("DELETE", "/v1/devices/gw-1", {}, {{"if-match", "W/\"e1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "{}");
  EXPECT_EQ(registry_.last_delete.etag(), "e1");
  EXPECT_EQ(Call("DELETE", "/v1/devices/gw-2").status, 200);
  EXPECT_EQ(registry_.last_delete.etag(), "");
  EXPECT_EQ(Call("DELETE", "/v1/devices/gw-2").status, 404);
}

TEST_F(DeviceRoutesTest, ListPassesParameters) {
  registry_.Add("gw-1");
  http::Response r = Call("GET", "/v1/devices",
                          {{"filter", "labels.site=north"}, {"page_size", "10"}, {"page_token", "p"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(registry_.last_list.filter(), "labels.site=north");
  EXPECT_EQ(registry_.last_list.page_size(), 10);
  EXPECT_EQ(registry_.last_list.page_token(), "p");
  auto d = Parse(r.body);
  EXPECT_EQ(d["devices"].Size(), 1u);
  EXPECT_STREQ(d["nextPageToken"].GetString(), "next");

  EXPECT_EQ(Call("GET", "/v1/devices", {{"page_size", "-1"}}).status, 400);
  registry_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FILTER", "bad filter",
                                     {{"position", "3"}});
  http::Response bad = Call("GET", "/v1/devices", {{"filter", "a=="}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Reason(bad), "INVALID_FILTER");
  EXPECT_STREQ(Parse(bad.body)["error"]["details"][0]["metadata"]["position"].GetString(), "3");
}

TEST_F(DeviceRoutesTest, BatchGetByBodyOrRepeatedQuery) {
  registry_.Add("a");
  registry_.Add("b");
  http::Response post = Call("POST", "/v1/devices:batchGet", {}, {}, R"({"names":["devices/a","zz"]})");
  ASSERT_EQ(post.status, 200) << post.body;
  auto d = Parse(post.body);
  EXPECT_EQ(d["devices"].Size(), 1u);
  EXPECT_STREQ(d["missing"][0].GetString(), "zz");

  http::Request r;
  r.method = "GET";
  r.path = "/v1/devices:batchGet";
  r.target = "/v1/devices:batchGet?names=a&names=devices%2Fb,c";
  r.query = {{"names", "devices/b,c"}};
  r.headers = admin_;
  http::Response get = api_.Handle(r);
  ASSERT_EQ(get.status, 200) << get.body;
  ASSERT_EQ(registry_.last_batch.names_size(), 3);
  EXPECT_EQ(registry_.last_batch.names(0), "a");
  EXPECT_EQ(registry_.last_batch.names(1), "devices/b");
  EXPECT_EQ(registry_.last_batch.names(2), "c");

  EXPECT_EQ(Call("GET", "/v1/devices:batchGet").status, 400);
  EXPECT_EQ(Call("POST", "/v1/devices:batchGet", {}, {}, "{}").status, 400);
}

TEST_F(DeviceRoutesTest, ImportCsvAndJsonLines) {
  const std::string csv = "id,model\ngw-1,gw-200\ngw-2,gw-200\n";
  http::Response r = Call("POST", "/v1/devices:import", {}, {{"content-type", "text/csv; charset=utf-8"}}, csv);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(registry_.last_import.format(), config::v1::CSV);
  EXPECT_EQ(registry_.last_import.data(), csv);
  EXPECT_FALSE(registry_.last_import.validate_only());
  EXPECT_EQ(Parse(r.body)["createdCount"].GetInt(), 2);

  http::Response v = Call("POST", "/v1/devices:import", {{"validate_only", "true"}},
                          {{"content-type", "application/x-ndjson"}}, "{\"id\":\"gw-3\"}\n");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(registry_.last_import.format(), config::v1::JSON_LINES);
  EXPECT_TRUE(registry_.last_import.validate_only());
  EXPECT_EQ(Parse(v.body)["createdCount"].GetInt(), 0);
}

TEST_F(DeviceRoutesTest, ImportErrors) {
  http::Response type = Call("POST", "/v1/devices:import", {}, {{"content-type", "application/json"}}, "{}");
  EXPECT_EQ(type.status, 400);
  EXPECT_STREQ(Parse(type.body)["error"]["details"][0]["metadata"]["field"].GetString(), "Content-Type");
  EXPECT_EQ(Call("POST", "/v1/devices:import", {}, {{"content-type", "text/csv"}}, " \n").status, 400);
  EXPECT_EQ(Call("POST", "/v1/devices:import", {{"validate_only", "maybe"}}, {{"content-type", "text/csv"}}, "id\n")
                .status,
            400);
  EXPECT_EQ(registry_.last_import.data(), "");  // none reached the service

  registry_.fail = status::MakeError(absl::StatusCode::kInvalidArgument, "IMPORT_ROWS_INVALID", "2 invalid rows",
                                     {{"invalid_rows", "2"}, {"row_errors", R"([{"row":2,"field":"id"}])"}});
  http::Response rows = Call("POST", "/v1/devices:import", {}, {{"content-type", "text/csv"}}, "id\n!\n");
  EXPECT_EQ(rows.status, 400);
  EXPECT_EQ(Reason(rows), "IMPORT_ROWS_INVALID");
  EXPECT_STREQ(Parse(rows.body)["error"]["details"][0]["metadata"]["invalid_rows"].GetString(), "2");
}

TEST_F(DeviceRoutesTest, UnconfiguredRegistryIs503WithAClearMessage) {
  registry_.fail = NotConfigured("device-config");
  http::Response r = Call("GET", "/v1/devices/gw-1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Reason(r), "BACKEND_UNAVAILABLE");
  EXPECT_STREQ(Parse(r.body)["error"]["message"].GetString(), "device-config is not configured");
}

TEST_F(DeviceRoutesTest, BackendErrorsMapToHttp) {
  const std::pair<absl::Status, int> cases[] = {
      {absl::UnavailableError("down"), 503},
      {absl::DeadlineExceededError("slow"), 504},
      {absl::PermissionDeniedError("no"), 403},
      {absl::InternalError("secret detail"), 500},
  };
  for (const auto& [st, code] : cases) {
    registry_.fail = st;
    http::Response r = Call("GET", "/v1/devices");
    EXPECT_EQ(r.status, code) << st;
    EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
  }
}

// --- overview ---

TEST_F(DeviceRoutesTest, OverviewCallsAllThreeServicesInParallel) {
  registry_.Add("gw-1");
  testing::Rendezvous all(3);  // each fake waits until the other two calls have started
  registry_.rendezvous = &all;
  presence_.rendezvous = &all;
  config_.rendezvous = &all;
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  http::Response r = Call("GET", "/v1/devices/gw-1:overview", {}, {{"traceparent", tp}, {"x-request-id", "ov-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(registry_.met) << "the registry call finished before the other calls started";
  EXPECT_TRUE(presence_.met) << "the presence call finished before the other calls started";
  EXPECT_TRUE(config_.met) << "the config call finished before the other calls started";
  // Same deadline, request id and trace on all calls, including those on helper threads.
  EXPECT_EQ(registry_.last_context.deadline, presence_.last_context.deadline);
  EXPECT_EQ(registry_.last_context.deadline, config_.last_context.deadline);
  EXPECT_EQ(presence_.last_context.request_id, "ov-1");
  EXPECT_EQ(config_.last_context.request_id, "ov-1");
  EXPECT_EQ(presence_.last_trace.TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(registry_.last_trace, presence_.last_trace);
  EXPECT_EQ(registry_.last_trace, config_.last_trace);
  auto d = Parse(r.body);
  EXPECT_STREQ(d["device"]["name"].GetString(), "devices/gw-1");
  EXPECT_STREQ(d["presence"]["state"].GetString(), "ONLINE");
  EXPECT_EQ(presence_.last_name, "devices/gw-1/presence");
  EXPECT_EQ(config_.last_get.device(), "devices/gw-1");
  EXPECT_STREQ(d["config"]["desiredVersion"].GetString(), "3");
  EXPECT_STREQ(d["config"]["reportedVersion"].GetString(), "2");
  EXPECT_STREQ(d["config"]["reportedStatus"].GetString(), "APPLIED");
  EXPECT_FALSE(d["config"]["inSync"].GetBool());
  EXPECT_FALSE(d.HasMember("presenceError"));
  EXPECT_FALSE(d.HasMember("configError"));
}

TEST_F(DeviceRoutesTest, OverviewWithConfigDownStillShowsTheDevice) {
  registry_.Add("gw-1");
  config_.fail = NotConfigured("device-config");
  http::Response r = Call("GET", "/v1/devices/gw-1:overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Parse(r.body);
  EXPECT_STREQ(d["device"]["id"].GetString(), "gw-1");
  EXPECT_STREQ(d["presence"]["state"].GetString(), "ONLINE");
  EXPECT_FALSE(d.HasMember("config"));
  EXPECT_EQ(d["configError"]["code"].GetInt(), 503);
  EXPECT_STREQ(d["configError"]["details"][0]["reason"].GetString(), "BACKEND_UNAVAILABLE");

  config_.fail = status::MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "raced a delete");
  auto nf = Parse(Call("GET", "/v1/devices/gw-1:overview").body);
  EXPECT_FALSE(nf.HasMember("config"));
  EXPECT_FALSE(nf.HasMember("configError"));
}

TEST_F(DeviceRoutesTest, OverviewWithPresenceAndConfigDown) {
  registry_.Add("gw-1");
  presence_.fail = absl::UnavailableError("down");
  config_.fail = absl::DeadlineExceededError("slow");
  http::Response r = Call("GET", "/v1/devices/gw-1:overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Parse(r.body);
  EXPECT_EQ(d["presenceError"]["code"].GetInt(), 503);
  EXPECT_EQ(d["configError"]["code"].GetInt(), 504);
}

TEST_F(DeviceRoutesTest, OverviewWithoutPresenceRecord) {
  registry_.Add("gw-1");
  presence_.fail = status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND", "never seen");
  http::Response r = Call("GET", "/v1/devices/gw-1:overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Parse(r.body);
  EXPECT_STREQ(d["device"]["id"].GetString(), "gw-1");
  EXPECT_FALSE(d.HasMember("presence"));
  EXPECT_FALSE(d.HasMember("presenceError"));
}

TEST_F(DeviceRoutesTest, OverviewWithPresenceDownStillShowsTheDevice) {
  registry_.Add("gw-1");
  presence_.fail = absl::UnavailableError("device-online down");
  http::Response r = Call("GET", "/v1/devices/gw-1:overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Parse(r.body);
  EXPECT_STREQ(d["device"]["id"].GetString(), "gw-1");
  EXPECT_FALSE(d.HasMember("presence"));
  EXPECT_EQ(d["presenceError"]["code"].GetInt(), 503);
  EXPECT_STREQ(d["presenceError"]["details"][0]["reason"].GetString(), "BACKEND_UNAVAILABLE");
}

TEST_F(DeviceRoutesTest, OverviewOfUnknownDeviceIs404) {
  http::Response r = Call("GET", "/v1/devices/nope:overview");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Reason(r), "DEVICE_NOT_FOUND");
  EXPECT_EQ(presence_.last_name, "devices/nope/presence");  // asked in parallel all the same
  EXPECT_EQ(config_.last_get.device(), "devices/nope");
}

TEST_F(DeviceRoutesTest, OverviewRegistryFailureIsTheAnswer) {
  registry_.fail = absl::DeadlineExceededError("slow");
  EXPECT_EQ(Call("GET", "/v1/devices/gw-1:overview").status, 504);
}

// With the registry and config cached (fleet-bff --device_cache_ttl and --config_cache_ttl),
// the three calls run one after another on the request's thread: same answers, same context.
class InSequenceOverviewTest : public testing::ApiHarness {
 protected:
  InSequenceOverviewTest() : ApiHarness({}, {.overview_in_sequence = true}) {}
};

TEST_F(InSequenceOverviewTest, SameAnswerFromCallsOnTheRequestsThread) {
  registry_.Add("gw-1");
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  http::Response r = Call("GET", "/v1/devices/gw-1:overview", {}, {{"traceparent", tp}, {"x-request-id", "ov-2"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(presence_.last_context.request_id, "ov-2");
  EXPECT_EQ(config_.last_context.request_id, "ov-2");
  EXPECT_EQ(registry_.last_context.deadline, presence_.last_context.deadline);
  EXPECT_EQ(registry_.last_context.deadline, config_.last_context.deadline);
  EXPECT_EQ(presence_.last_trace.TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(registry_.last_trace, config_.last_trace);
  auto d = Parse(r.body);
  EXPECT_STREQ(d["device"]["name"].GetString(), "devices/gw-1");
  EXPECT_STREQ(d["presence"]["state"].GetString(), "ONLINE");
  EXPECT_STREQ(d["config"]["desiredVersion"].GetString(), "3");

  presence_.fail = absl::UnavailableError("device-online down");
  config_.fail = absl::DeadlineExceededError("slow");
  auto degraded = Parse(Call("GET", "/v1/devices/gw-1:overview").body);
  EXPECT_STREQ(degraded["device"]["id"].GetString(), "gw-1");
  EXPECT_EQ(degraded["presenceError"]["code"].GetInt(), 503);
  EXPECT_EQ(degraded["configError"]["code"].GetInt(), 504);
}

TEST_F(InSequenceOverviewTest, AnUnknownDeviceIs404WithoutAskingTheOthers) {
  http::Response r = Call("GET", "/v1/devices/nope:overview");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Reason(r), "DEVICE_NOT_FOUND");
  EXPECT_EQ(presence_.last_name, "");
  EXPECT_EQ(config_.last_get.device(), "");
}

}  // namespace
}  // namespace fleet::bff
