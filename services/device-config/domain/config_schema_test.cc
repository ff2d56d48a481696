#include "services/device-config/domain/config_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "services/device-config/domain/config_json.h"

namespace fleet::devcfg {
namespace {

TEST(ParseModelSchemas, Parses) {
  auto s = ParseModelSchemas(R"({"gw-200": {"/kafka/cluster": "string", "/rate": "integer"}, "gw-100": {}})");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->at("gw-200").required,
            (std::vector<RequiredMember>{{"/kafka/cluster", JsonType::kString}, {"/rate", JsonType::kInteger}}));
  EXPECT_TRUE(s->at("gw-100").required.empty());
}

TEST(ParseModelSchemas, RejectsBadInput) {
  EXPECT_FALSE(ParseModelSchemas("[]").ok());
  EXPECT_FALSE(ParseModelSchemas(R"({"m": 1})").ok());
  EXPECT_FALSE(ParseModelSchemas(R"({"m": {"kafka": "string"}})").ok()) << "not a pointer";
  EXPECT_FALSE(ParseModelSchemas(R"({"m": {"/a": "float"}})").ok());
  EXPECT_FALSE(ParseModelSchemas(R"({"m": {"/a": 1}})").ok());
}

TEST(CheckSchema, TypesAndMissingMembers) {
  auto s = ParseModelSchemas(R"({"m": {"/kafka/cluster": "string", "/rate": "integer", "/ratio": "number",
                                       "/on": "boolean", "/list": "array", "/kafka": "object"}})");
  ASSERT_TRUE(s.ok());
  const ModelSchema& schema = s->at("m");
  auto ok = ParseConfigJson(R"({"kafka": {"cluster": "k1"}, "rate": 5, "ratio": 0.5, "on": false, "list": []})", {});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(CheckSchema(schema, *ok, "effective_config").ok());

  auto wrong = ParseConfigJson(R"({"kafka": {"cluster": "k1"}, "rate": 5.5, "ratio": 1, "on": false, "list": []})", {});
  absl::Status st = CheckSchema(schema, *wrong, "effective_config");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID");
  EXPECT_EQ(status::Metadata(st)["path"], "/rate");
  EXPECT_EQ(status::Metadata(st)["field"], "effective_config");

  auto missing = ParseConfigJson(R"({"kafka": {}, "rate": 1, "ratio": 1, "on": true, "list": []})", {});
  st = CheckSchema(schema, *missing, "effective_config");
  EXPECT_EQ(status::Metadata(st)["path"], "/kafka/cluster");
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("missing"));
}

}  // namespace
}  // namespace fleet::devcfg
