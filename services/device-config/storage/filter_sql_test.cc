#include "services/device-config/storage/filter_sql.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::devcfg {
namespace {

SqlFilter Compile(std::string_view text, int first = 3) {
  auto e = filter::Parse(text);
  EXPECT_TRUE(e.ok() && e->has_value()) << text;
  return CompileFilter(**e, first);
}

TEST(FilterSqlTest, CompilesEveryOperator) {
  SqlFilter f = Compile("labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"");
  EXPECT_EQ(f.sql, "((labels @> $3::jsonb) AND ((model = $4::text) OR (device_group = $5::text)))");
  EXPECT_THAT(f.params, testing::ElementsAre("{\"site\":\"sh-01\"}", "gw-200", "north"));
  f = Compile("NOT labels.floor:* AND hardware_revision != b AND display_name:* AND labels:x", 1);
  EXPECT_EQ(
      f.sql,
      "((NOT (labels ? $1::text)) AND (NOT (hardware_revision = $2::text)) AND (display_name <> '') AND "
      "(labels ? $3::text))");
  EXPECT_THAT(f.params, testing::ElementsAre("floor", "b", "x"));
  f = Compile("labels.a != \"v\"");
  EXPECT_EQ(f.sql, "(NOT (labels @> $3::jsonb))");
  f = Compile("id = x");
  EXPECT_EQ(f.sql, "(id = $3::text)");
}

TEST(FilterSqlTest, ValuesNeverReachTheSqlText) {
  const std::string evil = "x'); DROP TABLE devices; --\"\\";
  std::string quoted = "\"";
  for (char c : evil) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  SqlFilter f = Compile("display_name = " + quoted + " OR labels.k = " + quoted);
  EXPECT_EQ(f.sql.find("DROP"), std::string::npos);
  EXPECT_EQ(f.sql.find('\''), f.sql.npos);
  ASSERT_EQ(f.params.size(), 2u);
  EXPECT_EQ(f.params[0], evil);
  EXPECT_EQ(f.params[1], "{\"k\":\"x'); DROP TABLE devices; --\\\"\\\\\"}");  // JSON-escaped
}

}  // namespace
}  // namespace fleet::devcfg
