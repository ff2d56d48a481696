#include "bff/config_json.h"

#include "fleet/config/v1/device_config.pb.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

TEST(ConfigJsonTest, SplitsMembersKeepingNumbersVerbatim) {
  auto m = ParseObjectBody(
      R"( {"config": {"big": 12345678901234567890123, "f": 1.50, "s": "\u00e9\n", "a": [1, {"x": null}]},
           "expectedVersion": 3, "comment": "hi"} )",
      {"config", "expectedVersion", "comment"});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->at("config").kind, JsonMember::kObject);
  EXPECT_EQ(m->at("config").json, "{\"big\":12345678901234567890123,\"f\":1.50,\"s\":\"\xc3\xa9\\n\",\"a\":[1,{\"x\":null}]}");
  EXPECT_EQ(*ObjectMember(*m, "config"), m->at("config").json);
  EXPECT_EQ(**Int64Member(*m, "expectedVersion"), 3);
  EXPECT_EQ(*StringMember(*m, "comment"), "hi");
  EXPECT_FALSE(Int64Member(*m, "absent")->has_value());
  EXPECT_EQ(*StringMember(*m, "absent"), "");
}

TEST(ConfigJsonTest, Int64AcceptsStringsAndNullButNotFractions) {
  auto m = ParseObjectBody(R"({"a":"42","b":null,"c":1.5,"d":true,"e":99999999999999999999})", {"a", "b", "c", "d", "e"});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(**Int64Member(*m, "a"), 42);
  EXPECT_FALSE(Int64Member(*m, "b")->has_value());
  for (const char* bad : {"c", "d", "e"}) {
    auto v = Int64Member(*m, bad);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(status::Metadata(v.status())["field"], bad);
  }
  EXPECT_EQ(*StringMember(*m, "a"), "42");
  EXPECT_FALSE(StringMember(*m, "d").ok());
  EXPECT_FALSE(ObjectMember(*m, "a").ok());
  EXPECT_EQ(status::Metadata(ObjectMember(*m, "zz").status())["field"], "zz");
}

TEST(ConfigJsonTest, RejectsBadBodies) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "body"},          {"  ", "body"},       {"[1]", "body"},        {"3", "body"},
      {"\"x\"", "body"},     {"{", "body"},        {"{} {}", "body"},      {R"({"config":})", "body"},
      {R"({"other":1})", "other"}, {R"({"config":{},"config":{}})", "config"},
  };
  for (const auto& [body, field] : cases) {
    auto m = ParseObjectBody(body, {"config"});
    ASSERT_FALSE(m.ok()) << body;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(status::Metadata(m.status())["field"], field) << body;
  }
  EXPECT_FALSE(ParseObjectBody(std::string("{}\0{", 3), {}).ok());
  EXPECT_TRUE(ParseObjectBody("{}", {}).ok());
}

TEST(ConfigJsonTest, RendersJsonTextFieldsAsJson) {
  config::v1::ConfigVersion v;
  v.set_version(7);
  v.set_body_json(R"({"big":12345678901234567890123,"x":[true]})");
  v.set_author("alice");
  EXPECT_EQ(RenderWithRawJson(v, {{"bodyJson", "config"}}),
            R"({"name":"","version":"7","config":{"big":12345678901234567890123,"x":[true]},"author":"alice",)"
            R"("comment":""})");
  // Empty text is left out; text that is not JSON stays a string under its own name.
  v.set_body_json("");
  EXPECT_EQ(RenderWithRawJson(v, {{"bodyJson", "config"}}).find("config"), std::string::npos);
  v.set_body_json("{nope");
  EXPECT_NE(RenderWithRawJson(v, {{"bodyJson", "config"}}).find(R"("bodyJson":"{nope")"), std::string::npos);

  config::v1::DiffConfigVersionsResponse d;
  auto* e = d.add_entries();
  e->set_op(config::v1::ConfigDiffEntry::REMOVED);
  e->set_path("/a");
  e->set_old_json("3");
  EXPECT_EQ(RenderWithRawJson(d, {{"oldJson", "oldValue"}, {"newJson", "newValue"}}),
            R"({"entries":[{"op":"REMOVED","path":"/a","oldValue":3}]})");
}

TEST(ConfigJsonTest, IsJson) {
  EXPECT_TRUE(IsJson("{}"));
  EXPECT_TRUE(IsJson(" 12345678901234567890123 "));
  EXPECT_FALSE(IsJson(""));
  EXPECT_FALSE(IsJson("{} x"));
  EXPECT_FALSE(IsJson(std::string("1\0 2", 4)));
}

}  // namespace
}  // namespace fleet::bff
