#include "services/device-config/domain/config_diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/device-config/domain/config_json.h"

namespace fleet::devcfg {
namespace {

using Op = DiffEntry::Op;

std::vector<DiffEntry> D(const char* a, const char* b) {
  auto da = ParseConfigJson(a, {});
  auto db = ParseConfigJson(b, {});
  EXPECT_TRUE(da.ok() && db.ok());
  return DiffJson(*da, *db);
}

TEST(DiffJson, IdenticalIsEmpty) {
  EXPECT_TRUE(D("{}", "{}").empty());
  EXPECT_TRUE(D(R"({"a":{"b":[1,2]},"c":1})", R"({"c":1,"a":{"b":[1,2]}})").empty());
}

TEST(DiffJson, AddedRemovedChangedInPathOrder) {
  auto diff = D(R"({"z": 1, "a": {"x": 1, "y": "old"}, "m": true, "arr": [1, 2]})",
                R"({"a": {"y": "new", "w": {"deep": 1}}, "m": true, "n": null, "arr": [2, 1]})");
  std::vector<DiffEntry> want = {
      {Op::kAdded, "/a/w", "", R"({"deep":1})"},
      {Op::kRemoved, "/a/x", "1", ""},
      {Op::kChanged, "/a/y", R"("old")", R"("new")"},
      {Op::kChanged, "/arr", "[1,2]", "[2,1]"},
      {Op::kAdded, "/n", "", "null"},
      {Op::kRemoved, "/z", "1", ""},
  };
  EXPECT_EQ(diff, want);
}

TEST(DiffJson, TypeChangeIsOneChange) {
  auto diff = D(R"({"a": {"b": 1}})", R"({"a": 5})");
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0], (DiffEntry{Op::kChanged, "/a", R"({"b":1})", "5"}));
  // 1 and 1.0 are different JSON texts, hence a change.
  EXPECT_EQ(D(R"({"a": 1})", R"({"a": 1.0})").size(), 1u);
}

TEST(DiffJson, EscapesPathTokens) {
  auto diff = D(R"({"a/b": {"c~d": 1}})", R"({"a/b": {"c~d": 2}})");
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].path, "/a~1b/c~0d");
  EXPECT_STREQ(OpName(diff[0].op), "changed");
}

TEST(DiffJson, ReverseSwapsAddedAndRemoved) {
  const char* a = R"({"a": 1, "b": {"c": 2}})";
  const char* b = R"({"b": {"d": 3}, "e": [1]})";
  auto fwd = D(a, b);
  auto back = D(b, a);
  ASSERT_EQ(fwd.size(), back.size());
  for (size_t i = 0; i < fwd.size(); ++i) {
    EXPECT_EQ(fwd[i].path, back[i].path);
    EXPECT_EQ(fwd[i].old_value, back[i].new_value);
    EXPECT_EQ(fwd[i].new_value, back[i].old_value);
  }
}

}  // namespace
}  // namespace fleet::devcfg
