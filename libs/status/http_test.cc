#include "libs/status/http.h"

#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "rapidjson/document.h"

namespace fleet::status {
namespace {

TEST(HttpTest, CodeMapping) {
  using C = absl::StatusCode;
  EXPECT_EQ(HttpStatusCode(C::kOk), 200);
  EXPECT_EQ(HttpStatusCode(C::kCancelled), 499);
  EXPECT_EQ(HttpStatusCode(C::kUnknown), 500);
  EXPECT_EQ(HttpStatusCode(C::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusCode(C::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusCode(C::kNotFound), 404);
  EXPECT_EQ(HttpStatusCode(C::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusCode(C::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusCode(C::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusCode(C::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusCode(C::kAborted), 409);
  EXPECT_EQ(HttpStatusCode(C::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusCode(C::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusCode(C::kInternal), 500);
  EXPECT_EQ(HttpStatusCode(C::kUnavailable), 503);
  EXPECT_EQ(HttpStatusCode(C::kDataLoss), 500);
  EXPECT_EQ(HttpStatusCode(C::kUnauthenticated), 401);
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

TEST(HttpTest, JsonBodyShape) {
  std::string json = ToHttpJson(
      MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "device \"d1\"\n not found",
                {{"device_id", "d1"}}),
      "req-1", "0af7651916cd43dd8448eb211c80319c");
  rapidjson::Document d = Parse(json);
  const auto& e = d["error"];
  EXPECT_EQ(e["code"].GetInt(), 404);
  EXPECT_STREQ(e["message"].GetString(), "device \"d1\"\n not found");
  EXPECT_STREQ(e["status"].GetString(), "NOT_FOUND");
  ASSERT_EQ(e["details"].Size(), 1u);
  const auto& info = e["details"][0];
  EXPECT_STREQ(info["@type"].GetString(), "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_STREQ(info["reason"].GetString(), "DEVICE_NOT_FOUND");
  EXPECT_STREQ(info["domain"].GetString(), "fleetd.io");
  EXPECT_STREQ(info["metadata"]["device_id"].GetString(), "d1");
  EXPECT_STREQ(info["metadata"]["request_id"].GetString(), "req-1");
  EXPECT_STREQ(info["metadata"]["trace_id"].GetString(), "0af7651916cd43dd8448eb211c80319c");
}

TEST(HttpTest, InternalMessageIsHidden) {
  for (auto s : {absl::InternalError("pq: password=secret"), absl::UnknownError("boom"),
                 absl::DataLossError("corrupt")}) {
    rapidjson::Document d = Parse(ToHttpJson(s));
    EXPECT_EQ(d["error"]["code"].GetInt(), 500);
    EXPECT_STREQ(d["error"]["message"].GetString(), "Internal error.");
    EXPECT_STREQ(d["error"]["details"][0]["reason"].GetString(), "INTERNAL_ERROR");
    EXPECT_TRUE(d["error"]["details"][0]["metadata"].ObjectEmpty());
  }
}

TEST(HttpTest, DefaultReasonAndNoOptionalIds) {
  rapidjson::Document d = Parse(ToHttpJson(absl::UnavailableError("redis down")));
  EXPECT_EQ(d["error"]["code"].GetInt(), 503);
  EXPECT_STREQ(d["error"]["message"].GetString(), "redis down");
  EXPECT_STREQ(d["error"]["status"].GetString(), "UNAVAILABLE");
  EXPECT_STREQ(d["error"]["details"][0]["reason"].GetString(), "BACKEND_UNAVAILABLE");
  EXPECT_FALSE(d["error"]["details"][0]["metadata"].HasMember("request_id"));
}

TEST(HttpTest, EscapesControlAndUnicode) {
  rapidjson::Document d =
      Parse(ToHttpJson(InvalidField("na\"me", std::string("tab\t ctl\x01 \xc3\xa9", 11))));
  EXPECT_EQ(std::string(d["error"]["message"].GetString()), std::string("tab\t ctl\x01 \xc3\xa9", 11));
  EXPECT_STREQ(d["error"]["details"][0]["metadata"]["field"].GetString(), "na\"me");
}

}  // namespace
}  // namespace fleet::status
