#include "services/device-config/domain/config_merge.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "services/device-config/domain/config_json.h"

namespace fleet::devcfg {
namespace {

rapidjson::Document J(const std::string& text) {
  auto doc = ParseConfigJson(text, {.max_bytes = 1 << 20});
  EXPECT_TRUE(doc.ok()) << text << ": " << doc.status();
  return doc.ok() ? std::move(*doc) : rapidjson::Document(rapidjson::kObjectType);
}

std::string Merge(const std::vector<std::string>& layers) {
  std::vector<rapidjson::Document> docs;
  for (const auto& l : layers) docs.push_back(J(l));
  std::vector<const rapidjson::Value*> ptrs;
  for (const auto& d : docs) ptrs.push_back(&d);
  return CanonicalJson(MergeLayers(ptrs));
}

TEST(Merge, EmptyLayers) {
  EXPECT_EQ(Merge({}), "{}");
  EXPECT_EQ(Merge({"{}", "{}"}), "{}");
}

TEST(Merge, SingleLayerIsItselfWithoutNulls) {
  EXPECT_EQ(Merge({R"({"a":1,"b":{"c":[1,null],"d":null},"e":null})"}), R"({"a":1,"b":{"c":[1,null]}})");
}

TEST(Merge, ObjectsMergeRecursively) {
  EXPECT_EQ(Merge({R"({"kafka":{"cluster":"k1","acks":"all"},"log":"info"})",
                   R"({"kafka":{"cluster":"k2","tls":{"on":true}}})"}),
            R"({"kafka":{"acks":"all","cluster":"k2","tls":{"on":true}},"log":"info"})");
}

TEST(Merge, ArraysAndScalarsReplace) {
  EXPECT_EQ(Merge({R"({"a":[1,2,3],"b":"x","c":{"d":1}})", R"({"a":[9],"b":7,"c":"flat"})"}),
            R"({"a":[9],"b":7,"c":"flat"})");
  // A scalar below an object is replaced by the object (nulls inside it dropped).
  EXPECT_EQ(Merge({R"({"c":5})", R"({"c":{"d":1,"e":null}})"}), R"({"c":{"d":1}})");
  // Arrays are never merged element-wise, and nulls inside arrays stay.
  EXPECT_EQ(Merge({R"({"a":[{"x":1}]})", R"({"a":[{"y":null}]})"}), R"({"a":[{"y":null}]})");
}

TEST(Merge, NullDeletes) {
  EXPECT_EQ(Merge({R"({"a":1,"b":{"c":1,"d":2}})", R"({"a":null,"b":{"c":null}})"}), R"({"b":{"d":2}})");
  // Deleting what is absent is a no-op; a later layer can re-add a deleted key.
  EXPECT_EQ(Merge({R"({"a":1})", R"({"zz":null,"a":null})", R"({"a":3})"}), R"({"a":3})");
  // Deleting a whole subtree.
  EXPECT_EQ(Merge({R"({"a":{"b":{"c":1}},"k":0})", R"({"a":null})"}), R"({"k":0})");
}

TEST(Merge, LaterLayersWin) {
  EXPECT_EQ(Merge({R"({"v":1})", R"({"v":2})", R"({"v":3})"}), R"({"v":3})");
  EXPECT_EQ(Merge({R"({"v":3})", R"({"v":2})", R"({"v":1})"}), R"({"v":1})");
}

TEST(Merge, DoesNotModifyInputs) {
  auto base = J(R"({"a":{"b":1}})");
  auto over = J(R"({"a":{"b":null,"c":2}})");
  std::string before_base = CanonicalJson(base), before_over = CanonicalJson(over);
  auto merged = MergeLayers({&base, &over});
  EXPECT_EQ(CanonicalJson(merged), R"({"a":{"c":2}})");
  EXPECT_EQ(CanonicalJson(base), before_base);
  EXPECT_EQ(CanonicalJson(over), before_over);
}

// A random JSON object, written with member order decided by `order_rng` so the same logical
// document can be produced with different textual orders.
void RandomValue(std::mt19937& rng, int depth, std::string& out, std::mt19937* order_rng);

void RandomObject(std::mt19937& rng, int depth, std::string& out, std::mt19937* order_rng) {
  const char* keys[] = {"a", "b", "c", "d", "e"};
  std::vector<std::string> members;
  for (const char* k : keys) {
    if (rng() % 2 == 0) continue;
    std::string v;
    RandomValue(rng, depth + 1, v, order_rng);
    members.push_back(std::string("\"") + k + "\":" + v);
  }
  if (order_rng != nullptr) std::shuffle(members.begin(), members.end(), *order_rng);
  out += "{";
  for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + members[i];
  out += "}";
}

void RandomValue(std::mt19937& rng, int depth, std::string& out, std::mt19937* order_rng) {
  int kind = rng() % (depth < 4 ? 6 : 4);
  switch (kind) {
    case 0: out += "null"; break;
    case 1: out += std::to_string(rng() % 5); break;
    case 2: out += "\"s" + std::to_string(rng() % 3) + "\""; break;
    case 3: out += (rng() % 2) ? "true" : "false"; break;
    case 4: out += "[" + std::to_string(rng() % 3) + ",null]"; break;
    default: RandomObject(rng, depth, out, order_rng);
  }
}

std::string RandomLayer(uint32_t seed, std::mt19937* order_rng) {
  std::mt19937 rng(seed);
  std::string out;
  RandomObject(rng, 1, out, order_rng);
  return out;
}

bool HasNullOutsideArrays(const rapidjson::Value& v) {
  if (v.IsNull()) return true;
  if (!v.IsObject()) return false;
  for (const auto& m : v.GetObject()) {
    if (HasNullOutsideArrays(m.value)) return true;
  }
  return false;
}

TEST(Merge, DeterministicRegardlessOfMemberOrder) {
  for (uint32_t seed = 0; seed < 300; ++seed) {
    std::vector<std::string> plain, shuffled;
    std::mt19937 order(seed * 7919 + 1);
    for (uint32_t l = 0; l < 4; ++l) {
      plain.push_back(RandomLayer(seed * 4 + l, nullptr));
      shuffled.push_back(RandomLayer(seed * 4 + l, &order));
    }
    std::string a = Merge(plain);
    EXPECT_EQ(a, Merge(shuffled)) << "seed " << seed;
    EXPECT_EQ(a, Merge(plain)) << "same input twice";
    auto doc = J(a);
    EXPECT_FALSE(HasNullOutsideArrays(doc)) << a;
  }
}

TEST(Merge, TopLayerMembersAlwaysSurvive) {
  // Whatever lies below, every non-null member of the top layer appears verbatim when it is not
  // an object (objects merge), and every null member of the top layer is absent.
  for (uint32_t seed = 0; seed < 300; ++seed) {
    std::vector<std::string> layers = {RandomLayer(seed, nullptr), RandomLayer(seed + 1000, nullptr)};
    auto merged = J(Merge(layers));
    auto top = J(layers[1]);
    for (const auto& m : top.GetObject()) {
      auto it = merged.FindMember(m.name);
      if (m.value.IsNull()) {
        EXPECT_EQ(it, merged.MemberEnd()) << layers[1];
      } else if (!m.value.IsObject()) {
        ASSERT_NE(it, merged.MemberEnd());
        EXPECT_EQ(CanonicalJson(it->value), CanonicalJson(m.value));
      } else {
        ASSERT_NE(it, merged.MemberEnd());
        EXPECT_TRUE(it->value.IsObject());
      }
    }
  }
}

TEST(Merge, MergingAnEmptyLayerChangesNothing) {
  for (uint32_t seed = 0; seed < 100; ++seed) {
    std::string layer = RandomLayer(seed, nullptr);
    EXPECT_EQ(Merge({layer, "{}"}), Merge({layer}));
    EXPECT_EQ(Merge({"{}", layer}), Merge({layer}));
    // Merging an effective (null-free) config onto itself is the identity.
    std::string once = Merge({layer});
    EXPECT_EQ(Merge({once, once}), once);
  }
}

TEST(TemplateName, ParsesAndFormats) {
  for (const char* name : {"global", "groups/north", "labels/site=berlin-1", "labels/app/tier=edge"}) {
    auto s = ParseTemplateName(name);
    ASSERT_TRUE(s.ok()) << name << " " << s.status();
    EXPECT_EQ(TemplateName(*s), name);
  }
  auto s = ParseTemplateName("labels/app/tier=a:b/c");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key, "app/tier");
  EXPECT_EQ(s->value, "a:b/c");
  EXPECT_FALSE(ParseTemplateName("labels/app=a=b").ok()) << "'=' is not a label value character";
}

TEST(TemplateName, RejectsBadNames) {
  for (const char* name : {"", "Global", "groups/", "groups/North", "labels/site", "labels/=x", "labels/Site=x",
                           "devices/d1", "groups/a b"}) {
    auto s = ParseTemplateName(name, "name");
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status::Metadata(s.status())["field"], "name");
  }
}

TEST(TemplateScope, AppliesAndPrecedence) {
  Device d;
  d.id = "d1";
  d.group = "north";
  d.labels = {{"site", "b1"}, {"app", "x"}};
  auto scope = [](const char* n) { return *ParseTemplateName(n); };
  EXPECT_TRUE(Applies(scope("global"), d));
  EXPECT_TRUE(Applies(scope("groups/north"), d));
  EXPECT_FALSE(Applies(scope("groups/south"), d));
  EXPECT_TRUE(Applies(scope("labels/site=b1"), d));
  EXPECT_FALSE(Applies(scope("labels/site=b2"), d));
  EXPECT_FALSE(Applies(scope("labels/zone=b1"), d));
  Device nogroup;
  EXPECT_FALSE(Applies(scope("groups/north"), nogroup));

  std::vector<TemplateScope> scopes = {scope("labels/site=b1"), scope("groups/north"), scope("labels/app=x"),
                                       scope("global")};
  std::sort(scopes.begin(), scopes.end(), LowerPrecedence);
  std::vector<std::string> names;
  for (const auto& s : scopes) names.push_back(TemplateName(s));
  EXPECT_THAT(names, ::testing::ElementsAre("global", "groups/north", "labels/app=x", "labels/site=b1"));
}

}  // namespace
}  // namespace fleet::devcfg
