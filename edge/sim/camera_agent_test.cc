#include "edge/sim/camera_agent.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Req(std::string type, std::string body) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = "r";
  e.sender = "device-online";
  e.timestamp = kNow;
  e.type = std::move(type);
  e.body_json = std::move(body);
  return e;
}

rapidjson::Document Body(const HandlerResult& r) {
  rapidjson::Document d;
  d.Parse(r.body_json.c_str());
  return d;
}

TEST(CameraAgentTest, RotateAndZoomKeepState) {
  CameraAgent cam({});
  auto r = cam.Handle("gw-1", Req("camera.rotate", R"({"pan":-45.5})"), kNow);
  ASSERT_EQ(r.code, 200) << r.description;
  EXPECT_EQ(Body(r)["pan"].GetDouble(), -45.5);
  EXPECT_EQ(Body(r)["tilt"].GetDouble(), 0);
  r = cam.Handle("gw-1", Req("camera.rotate", R"({"tilt":30})"), kNow);
  EXPECT_EQ(Body(r)["pan"].GetDouble(), -45.5);
  EXPECT_EQ(Body(r)["tilt"].GetDouble(), 30);
  EXPECT_EQ(Body(cam.Handle("gw-1", Req("camera.zoom", R"({"level":4})"), kNow))["zoom"].GetInt(), 4);
  EXPECT_EQ(cam.commands(), 3);
}

TEST(CameraAgentTest, BadInputIs400AndUnknownIs404) {
  CameraAgent cam({});
  for (const auto& [type, body] : std::vector<std::pair<std::string, std::string>>{
           {"camera.rotate", "{}"}, {"camera.rotate", R"({"pan":181})"}, {"camera.rotate", R"({"tilt":"up"})"},
           {"camera.zoom", R"({"level":0})"}, {"camera.zoom", R"({"level":2.5})"},
           {"camera.startStream", R"({"quality":"4k"})"}, {"camera.rotate", "[1]"}}) {
    EXPECT_EQ(cam.Handle("gw-1", Req(type, body), kNow).code, 400) << type << " " << body;
  }
  EXPECT_EQ(cam.Handle("gw-1", Req("camera.fly", "{}"), kNow).code, 404);
  EXPECT_EQ(cam.commands(), 0);
}

TEST(CameraAgentTest, StartRestartsTheStreamAndStopEndsIt) {
  CameraAgent cam({.stream_ttl = absl::Minutes(5)});
  auto a = Body(cam.Handle("gw-1", Req("camera.startStream", R"({"quality":"hd"})"), kNow));
  auto b = Body(cam.Handle("gw-1", Req("camera.startStream", "{}"), kNow));
  EXPECT_STRNE(a["stream_id"].GetString(), b["stream_id"].GetString()) << "a repeat restarts the stream";
  EXPECT_THAT(std::string(a["url"].GetString()), ::testing::HasSubstr("q=hd"));
  EXPECT_EQ(a["expires_in"].GetInt64(), 300);
  EXPECT_EQ(cam.stream_starts(), 2);
  EXPECT_EQ(cam.streams_live(kNow), 1);
  EXPECT_FALSE(Body(cam.Handle("gw-1", Req("camera.stopStream", R"({"stream_id":"other"})"), kNow))["stopped"].GetBool());
  EXPECT_TRUE(Body(cam.Handle("gw-1", Req("camera.stopStream", "{}"), kNow))["stopped"].GetBool());
  EXPECT_EQ(cam.streams_live(kNow), 0);
  cam.Handle("gw-2", Req("camera.startStream", "{}"), kNow);
  EXPECT_EQ(cam.streams_live(kNow + absl::Minutes(6)), 0) << "streams end by themselves";
}

TEST(CameraAgentTest, SnapshotIsAValidPng) {
  CameraAgent cam({});
  auto d = Body(cam.Handle("gw-1", Req("camera.snapshot", "{}"), kNow));
  EXPECT_STREQ(d["content_type"].GetString(), "image/png");
  std::string png;
  ASSERT_TRUE(absl::Base64Unescape(d["image_base64"].GetString(), &png));
  ASSERT_GT(png.size(), 64u * 48u * 3u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
  // Saved with the test outputs so that it can be looked at.
  if (const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR"); dir != nullptr) {
    std::ofstream(std::string(dir) + "/snapshot.png", std::ios::binary) << png;
  }
  // Another camera position gives another picture.
  cam.Handle("gw-1", Req("camera.rotate", R"({"pan":90})"), kNow);
  auto e = Body(cam.Handle("gw-1", Req("camera.snapshot", "{}"), kNow));
  EXPECT_STRNE(d["image_base64"].GetString(), e["image_base64"].GetString());
}

TEST(CameraAgentTest, FailRateOneAlwaysFails) {
  CameraAgent cam({.fail_rate = 1});
  auto r = cam.Handle("gw-1", Req("camera.zoom", R"({"level":2})"), kNow);
  EXPECT_EQ(r.code, 500);
  EXPECT_THAT(r.description, ::testing::HasSubstr("simulated failure"));
}

TEST(CameraAgentTest, RegistersEveryCameraType) {
  CameraAgent cam({});
  Dispatcher d({});
  cam.RegisterWith(d);
  auto out = d.Dispatch("gw-1", Req("camera.snapshot", "{}"), kNow);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status, "Succeed");
  EXPECT_TRUE(d.Dispatch("gw-1", Req("camera.stopStream", "{}"), kNow).has_value());
}

}  // namespace
}  // namespace fleet::sim
