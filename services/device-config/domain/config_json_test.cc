#include "services/device-config/domain/config_json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::devcfg {
namespace {

std::string Path(const absl::Status& st) { return status::Metadata(st)["path"]; }

TEST(ParseConfigJson, AcceptsObjects) {
  auto doc = ParseConfigJson(R"({"a": 1, "b": {"c": [1, 2, {"d": null}]}})", {});
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->IsObject());
}

TEST(ParseConfigJson, RejectsNonObjects) {
  for (const char* text : {"[]", "1", "\"x\"", "null", "true"}) {
    auto doc = ParseConfigJson(text, {});
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status::Reason(doc.status()), "CONFIG_INVALID");
    EXPECT_EQ(Path(doc.status()), "");
    EXPECT_EQ(status::Metadata(doc.status())["field"], "body");
  }
}

TEST(ParseConfigJson, RejectsSyntaxErrorsWithOffset) {
  auto doc = ParseConfigJson(R"({"a": 1,})", {}, "template_body");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(status::Reason(doc.status()), "CONFIG_INVALID");
  EXPECT_EQ(status::Metadata(doc.status())["field"], "template_body");
  EXPECT_EQ(status::Metadata(doc.status())["offset"], "8");
  EXPECT_FALSE(ParseConfigJson("{\"a\": NaN}", {}).ok());
  EXPECT_FALSE(ParseConfigJson("{\"a\": \"\xff\"}", {}).ok()) << "invalid UTF-8";
}

TEST(ParseConfigJson, SizeCap) {
  std::string big = "{\"a\":\"" + std::string(64 * 1024 - 8, 'x') + "\"}";
  EXPECT_EQ(big.size(), 64u * 1024);
  EXPECT_TRUE(ParseConfigJson(big, {}).ok());
  big.insert(1, " ");
  auto doc = ParseConfigJson(big, {});
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), ::testing::HasSubstr("65537 bytes"));
}

TEST(ParseConfigJson, DepthCapNamesThePath) {
  JsonLimits limits{.max_depth = 3};
  EXPECT_TRUE(ParseConfigJson(R"({"a": {"b": {"c": 1}}})", limits).ok());
  EXPECT_TRUE(ParseConfigJson(R"({"a": {"b": [1]}})", limits).ok());
  auto doc = ParseConfigJson(R"({"a": {"b": {"c": {}}}})", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(Path(doc.status()), "/a/b/c");
  doc = ParseConfigJson(R"({"a": [0, [1, []]]})", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(Path(doc.status()), "/a/1/1");
}

TEST(ParseConfigJson, VeryDeepInputDoesNotOverflowTheStack) {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto doc = ParseConfigJson(deep, {.max_bytes = 1 << 20});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(Path(doc.status()), "/a/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0");  // depth 17
}

TEST(ParseConfigJson, RejectsDuplicateNames) {
  auto doc = ParseConfigJson(R"({"x": {"a/b": 1, "a/b": 2}})", {});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(Path(doc.status()), "/x/a~1b");
}

TEST(CanonicalJson, SortsMembersAndDropsWhitespace) {
  auto a = ParseConfigJson(R"({ "b": [3, {"z": 1, "y": 2}], "a": {"d": true, "c": null}, "A": 1.5 })", {});
  auto b = ParseConfigJson(R"({"A":1.5,"a":{"c":null,"d":true},"b":[3,{"y":2,"z":1}]})", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(CanonicalJson(*a), R"({"A":1.5,"a":{"c":null,"d":true},"b":[3,{"y":2,"z":1}]})");
  EXPECT_EQ(CanonicalJson(*a), CanonicalJson(*b));
  EXPECT_EQ(Sha256Hex(CanonicalJson(*a)), Sha256Hex(CanonicalJson(*b)));
}

TEST(CanonicalJson, IsAFixedPoint) {
  auto a = ParseConfigJson(R"({"s": "\u00e9\n\"", "n": -0.0, "big": 18446744073709551615, "e": 1e300})", {});
  ASSERT_TRUE(a.ok());
  std::string once = CanonicalJson(*a);
  auto b = ParseConfigJson(once, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(CanonicalJson(*b), once);
}

TEST(Sha256Hex, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(PointerToken, Escapes) {
  EXPECT_EQ(PointerToken("a/b~c"), "a~1b~0c");
  EXPECT_EQ(PointerToken(""), "");
}

}  // namespace
}  // namespace fleet::devcfg
