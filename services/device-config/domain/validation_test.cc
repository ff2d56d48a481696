#include "services/device-config/domain/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

Device Valid() {
  Device d;
  d.id = "gw-0001";
  d.display_name = "Hall 3 — north gate";
  d.model = "gw-200";
  d.hardware_revision = "B.2";
  d.labels = {{"site", "sh-01"}, {"example.com/rack", "r 12:a@b+c"}};
  d.group = "north";
  return d;
}

std::vector<std::string> Fields(const Device& d) {
  std::vector<std::string> out;
  for (const FieldError& e : CheckDevice(d)) out.push_back(e.field);
  return out;
}

TEST(ValidationTest, AcceptsAValidDevice) {
  EXPECT_TRUE(CheckDevice(Valid()).empty());
  EXPECT_TRUE(ValidateDevice(Valid()).ok());
  Device minimal;
  minimal.id = "x";
  EXPECT_TRUE(ValidateDevice(minimal).ok());
}

TEST(ValidationTest, IdFollowsLibsIds) {
  Device d = Valid();
  d.id = "";
  EXPECT_THAT(Fields(d), testing::ElementsAre("id"));
  d.id = "-x";
  EXPECT_THAT(Fields(d), testing::ElementsAre("id"));
  d.id = "a b";
  absl::Status st = ValidateDevice(d);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "INVALID_FIELD");
  EXPECT_EQ(status::Metadata(st)["field"], "id");
}

TEST(ValidationTest, DisplayNameLengthAndCharacters) {
  Device d = Valid();
  d.display_name = std::string(kMaxDisplayNameBytes, 'a');
  EXPECT_TRUE(CheckDevice(d).empty());
  d.display_name += "a";
  EXPECT_THAT(Fields(d), testing::ElementsAre("display_name"));
  d.display_name = "tab\there";
  EXPECT_THAT(Fields(d), testing::ElementsAre("display_name"));
  d.display_name = "bad \xC3";
  EXPECT_THAT(Fields(d), testing::ElementsAre("display_name"));
  d.display_name = "overlong \xC0\xAF";
  EXPECT_THAT(Fields(d), testing::ElementsAre("display_name"));
  d.display_name = "c1 \xC2\x85";
  EXPECT_THAT(Fields(d), testing::ElementsAre("display_name"));
  d.display_name = "emoji \xF0\x9F\x9A\x80 ok";
  EXPECT_TRUE(CheckDevice(d).empty());
}

TEST(ValidationTest, ModelRevisionGroupCharsets) {
  Device d = Valid();
  d.model = "gw 200";
  d.hardware_revision = std::string(kMaxModelLength + 1, 'a');
  d.group = "North";
  EXPECT_THAT(Fields(d), testing::ElementsAre("model", "hardware_revision", "group"));
}

TEST(ValidationTest, LabelsKeysValuesAndCount) {
  Device d = Valid();
  d.labels = {{"Site", "x"}, {"ok", std::string(kMaxLabelValueLength + 1, 'v')}, {"q", "a\"b"},
              {"", "x"},     {std::string(kMaxLabelKeyLength + 1, 'k'), "x"},    {"-k", "x"},
              {"empty", ""}};
  EXPECT_THAT(Fields(d), testing::UnorderedElementsAre("labels.Site", "labels.ok", "labels.q", "labels.",
                                                       "labels." + std::string(kMaxLabelKeyLength + 1, 'k'),
                                                       "labels.-k"));
  d.labels.clear();
  for (size_t i = 0; i <= kMaxLabels; ++i) d.labels["k" + std::to_string(i)] = "v";
  EXPECT_THAT(Fields(d), testing::ElementsAre("labels"));
  absl::Status st = ValidateDevice(d);
  EXPECT_EQ(status::Metadata(st)["field"], "labels");
  EXPECT_THAT(std::string(st.message()), testing::HasSubstr("at most 64 labels"));
}

TEST(ValidationTest, EchoedUserTextIsClippedAndPrintable) {
  EXPECT_EQ(Printable("abc"), "abc");
  EXPECT_EQ(Printable("a\xff\n\x01z"), "a???z");
  EXPECT_EQ(Printable(std::string(100, 'x'), 5), "xxxxx...");
  Device d = Valid();
  d.labels = {{std::string(10000, 'K') + "\xC3", "v"}};
  absl::Status st = ValidateDevice(d);
  EXPECT_LT(status::Metadata(st)["field"].size(), 80u);
  EXPECT_LT(st.message().size(), 300u);
}

TEST(ValidationTest, LabelKeyPredicate) {
  EXPECT_TRUE(IsValidLabelKey("site"));
  EXPECT_TRUE(IsValidLabelKey("0.a_b/c-d"));
  EXPECT_FALSE(IsValidLabelKey(""));
  EXPECT_FALSE(IsValidLabelKey("_x"));
  EXPECT_FALSE(IsValidLabelKey("a b"));
  EXPECT_FALSE(IsValidLabelKey("aB"));
}

}  // namespace
}  // namespace fleet::devcfg
