#include "services/device-config/domain/import_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

ParsedImport MustParse(ImportFormat f, std::string_view data) {
  auto r = ParseImport(f, data);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ParsedImport{};
}

TEST(CsvImportTest, ParsesColumnsLabelsQuotesAndLineNumbers) {
  ParsedImport p = MustParse(ImportFormat::kCsv,
                             "id,display_name,model,labels.site,labels.floor,group\r\n"
                             "gw-1,\"Hall, \"\"3\"\"\",gw-200,sh-01,,north\r\n"
                             "\n"
                             "gw-2,\"two\nlines\",gw-100,sh-02,2,\n"
                             "gw-3,x,y,,,\n");
  ASSERT_TRUE(p.errors.empty());
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[0].row, 2);
  EXPECT_EQ(p.rows[0].device.id, "gw-1");
  EXPECT_EQ(p.rows[0].device.display_name, "Hall, \"3\"");
  EXPECT_EQ(p.rows[0].device.model, "gw-200");
  EXPECT_EQ(p.rows[0].device.group, "north");
  EXPECT_EQ(p.rows[0].device.labels, (std::map<std::string, std::string>{{"site", "sh-01"}}));
  EXPECT_EQ(p.rows[1].row, 4);
  EXPECT_EQ(p.rows[1].device.display_name, "two\nlines");
  EXPECT_EQ(p.rows[1].device.labels.size(), 2u);
  EXPECT_EQ(p.rows[2].row, 6);
  EXPECT_TRUE(p.rows[2].device.labels.empty());
}

TEST(CsvImportTest, ReportsBadRowsWithTheirLines) {
  ParsedImport p = MustParse(ImportFormat::kCsv,
                             "id,model\n"
                             "a,m\n"
                             "b\n"
                             "c,\"x\"y\n"
                             "d,m\n"
                             "e,\"open\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[1].device.id, "d");
  EXPECT_EQ(p.rows[1].row, 5);
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0].row, 3);
  EXPECT_THAT(p.errors[0].message, testing::HasSubstr("1 columns, the header 2"));
  EXPECT_EQ(p.errors[1].row, 4);
  EXPECT_EQ(p.errors[2].row, 6);
  EXPECT_THAT(p.errors[2].message, testing::HasSubstr("not closed"));
}

TEST(CsvImportTest, HeaderProblems) {
  ParsedImport p = MustParse(ImportFormat::kCsv, "model,colour,model,labels.Bad\nx,y,z,w\n");
  std::vector<std::string> fields;
  for (const RowError& e : p.errors) {
    EXPECT_EQ(e.row, 1);
    fields.push_back(e.field);
  }
  EXPECT_THAT(fields, testing::ElementsAre("colour", "model", "labels.Bad", "id"));
  EXPECT_TRUE(p.rows.empty());
}

TEST(CsvImportTest, EmptyOrHeaderOnlyIsAFormatError) {
  for (std::string_view data : {"", "\n\n", "id,model\n"}) {
    auto r = ParseImport(ImportFormat::kCsv, data);
    ASSERT_FALSE(r.ok()) << data;
    EXPECT_EQ(status::Reason(r.status()), "IMPORT_FORMAT_INVALID");
  }
}

TEST(CsvImportTest, RowCap) {
  std::string data = "id\n";
  for (size_t i = 0; i <= kMaxImportRows; ++i) data += "d" + std::to_string(i) + "\n";
  auto r = ParseImport(ImportFormat::kCsv, data);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(status::Reason(r.status()), "IMPORT_FORMAT_INVALID");
}

TEST(JsonLinesImportTest, ParsesObjectsAndSkipsBlankLines) {
  ParsedImport p =
      MustParse(ImportFormat::kJsonLines,
                "{\"id\":\"a\",\"displayName\":\"A\",\"model\":\"m\",\"hardware_revision\":\"r1\","
                "\"group\":\"g\",\"labels\":{\"site\":\"s\"}}\r\n"
                "\n   \n"
                "{\"id\":\"b\",\"hardwareRevision\":\"r2\"}");
  ASSERT_TRUE(p.errors.empty());
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].row, 1);
  EXPECT_EQ(p.rows[0].device.display_name, "A");
  EXPECT_EQ(p.rows[0].device.hardware_revision, "r1");
  EXPECT_EQ(p.rows[0].device.labels.at("site"), "s");
  EXPECT_EQ(p.rows[1].row, 4);
  EXPECT_EQ(p.rows[1].device.hardware_revision, "r2");
}

TEST(JsonLinesImportTest, ReportsEachBadLine) {
  ParsedImport p = MustParse(ImportFormat::kJsonLines,
                             "{\"id\":\"a\"}\n"
                             "{\"id\":\"b\",\n"
                             "[1]\n"
                             "{\"id\":\"c\",\"colour\":\"red\"}\n"
                             "{\"id\":7}\n"
                             "{\"id\":\"d\",\"labels\":{\"x\":1}}\n"
                             "{\"id\":\"e\",\"labels\":[]}\n");
  ASSERT_EQ(p.rows.size(), 1u);
  std::vector<std::pair<int, std::string>> got;
  for (const RowError& e : p.errors) got.emplace_back(e.row, e.field);
  EXPECT_THAT(got, testing::ElementsAre(testing::Pair(2, ""), testing::Pair(3, ""),
                                        testing::Pair(4, "colour"), testing::Pair(5, "id"),
                                        testing::Pair(6, "labels.x"), testing::Pair(7, "labels")));
  EXPECT_THAT(p.errors[0].message, testing::HasSubstr("invalid JSON"));
}

TEST(JsonLinesImportTest, NoRowsIsAFormatError) {
  auto r = ParseImport(ImportFormat::kJsonLines, "\n \n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(status::Reason(r.status()), "IMPORT_FORMAT_INVALID");
}

}  // namespace
}  // namespace fleet::devcfg
