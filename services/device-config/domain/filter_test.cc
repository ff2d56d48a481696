#include "services/device-config/domain/filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::devcfg::filter {
namespace {

Expr Parsed(std::string_view text) {
  auto e = Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status();
  if (!e.ok() || !e->has_value()) return Expr{};
  return **e;
}

std::string Canon(std::string_view text) { return ToString(Parsed(text)); }

// The error position of a malformed filter (or -1 if it parsed / had no position).
int ErrorPosition(std::string_view text) {
  auto e = Parse(text);
  if (e.ok()) return -1;
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(e.status()), "INVALID_FILTER");
  auto md = status::Metadata(e.status());
  EXPECT_EQ(md["field"], "filter");
  if (!md.contains("position")) return -1;
  return std::stoi(md["position"]);
}

Device Gw(std::string id, std::string model, std::string group,
          std::map<std::string, std::string> labels = {}) {
  Device d;
  d.id = std::move(id);
  d.model = std::move(model);
  d.group = std::move(group);
  d.labels = std::move(labels);
  return d;
}

TEST(FilterParseTest, EmptyAndBlankMeanNoFilter) {
  EXPECT_FALSE(Parse("")->has_value());
  EXPECT_FALSE(Parse("  \t\n ")->has_value());
}

TEST(FilterParseTest, SimpleComparisons) {
  Expr e = Parsed("model = \"gw-200\"");
  EXPECT_EQ(e.kind, Expr::Kind::kEquals);
  EXPECT_EQ(e.field.kind, FieldKind::kModel);
  EXPECT_EQ(e.value, "gw-200");
  e = Parsed("labels.site!=sh-01");
  EXPECT_EQ(e.kind, Expr::Kind::kNotEquals);
  EXPECT_EQ(e.field, (Field{FieldKind::kLabel, "site"}));
  EXPECT_EQ(e.value, "sh-01");
  e = Parsed("labels.floor:*");
  EXPECT_EQ(e.kind, Expr::Kind::kPresent);
  EXPECT_EQ(e.field, (Field{FieldKind::kLabel, "floor"}));
  EXPECT_EQ(Parsed("labels:floor"), e);
  EXPECT_EQ(Parsed("labels : \"floor\""), e);
  e = Parsed("group:*");
  EXPECT_EQ(e.kind, Expr::Kind::kPresent);
  EXPECT_EQ(e.field.kind, FieldKind::kGroup);
  for (auto [text, kind] :
       std::vector<std::pair<std::string, FieldKind>>{{"id = a", FieldKind::kId},
                                                      {"display_name = a", FieldKind::kDisplayName},
                                                      {"hardware_revision = a", FieldKind::kHardwareRevision},
                                                      {"labels.example.com/rack = a", FieldKind::kLabel}}) {
    EXPECT_EQ(Parsed(text).field.kind, kind) << text;
  }
  EXPECT_EQ(Parsed("labels.example.com/rack = a").field.label_key, "example.com/rack");
}

TEST(FilterParseTest, OrBindsTighterThanAndAsInAip160) {
  EXPECT_EQ(Canon("labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\""),
            "labels.site = \"sh-01\" AND (model = \"gw-200\" OR group = \"north\")");
  Expr e = Parsed("id = z OR model = x AND group = y");
  ASSERT_EQ(e.kind, Expr::Kind::kAnd);
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[0].kind, Expr::Kind::kOr);
  EXPECT_EQ(e.children[1].kind, Expr::Kind::kEquals);
}

TEST(FilterParseTest, ParenthesesOverridePrecedence) {
  EXPECT_EQ(Canon("(model = a AND group = b) OR id = c"), "(model = \"a\" AND group = \"b\") OR id = \"c\"");
}

TEST(FilterParseTest, NotAndFlatteningAndCanonicalRoundTrip) {
  EXPECT_EQ(Canon("NOT model = a"), "NOT model = \"a\"");
  EXPECT_EQ(Canon("NOT (model = a OR model = b)"), "NOT (model = \"a\" OR model = \"b\")");
  EXPECT_EQ(Canon("NOT NOT group:*"), "NOT NOT group:*");
  EXPECT_EQ(Canon("model=a AND (group=b AND (id=c AND id=d))"),
            "model = \"a\" AND group = \"b\" AND id = \"c\" AND id = \"d\"");
  EXPECT_EQ(Canon("((((model = a))))"), "model = \"a\"");
  for (std::string text : {"labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"",
                           "NOT (labels.floor:* OR id != \"x\\\"y\") AND display_name = \"a b\"",
                           "(model = a AND group = b) OR NOT (id = c OR id = d)"}) {
    const Expr e = Parsed(text);
    EXPECT_EQ(Parsed(ToString(e)), e) << text;
    EXPECT_EQ(ToString(Parsed(ToString(e))), ToString(e));
  }
}

TEST(FilterParseTest, QuotedStringsKeepEverything) {
  EXPECT_EQ(Parsed("display_name = \"Hall 3 (north) AND \\\"x\\\" \\\\ y\"").value,
            "Hall 3 (north) AND \"x\" \\ y");
  EXPECT_EQ(Parsed("id = \"dev:01\"").value, "dev:01");
  EXPECT_EQ(Parsed("model = \"\"").value, "");
}

TEST(FilterParseTest, MalformedInputsPointAtTheProblem) {
  EXPECT_EQ(ErrorPosition("model ="), 7);                   // missing value
  EXPECT_EQ(ErrorPosition("model"), 5);                     // missing operator
  EXPECT_EQ(ErrorPosition("= gw"), 0);                      // missing field
  EXPECT_EQ(ErrorPosition("colour = red"), 0);              // unknown field
  EXPECT_EQ(ErrorPosition("model = \"gw"), 8);              // unterminated string
  EXPECT_EQ(ErrorPosition("model = \"a\\nb\""), 10);        // bad escape
  EXPECT_EQ(ErrorPosition("(model = a"), 10);               // unclosed paren
  EXPECT_EQ(ErrorPosition("model = a)"), 9);                // unbalanced paren
  EXPECT_EQ(ErrorPosition("()"), 1);                        // empty parens
  EXPECT_EQ(ErrorPosition("model = a AND"), 13);            // dangling AND
  EXPECT_EQ(ErrorPosition("OR model = a"), 0);              // leading OR
  EXPECT_EQ(ErrorPosition("model = a and group = b"), 10);  // lower-case operator
  EXPECT_EQ(ErrorPosition("model = a group = b"), 10);      // no implicit AND
  EXPECT_EQ(ErrorPosition("model > a"), 6);                 // unsupported operator
  EXPECT_EQ(ErrorPosition("model >= a"), 6);
  EXPECT_EQ(ErrorPosition("model ! a"), 6);
  EXPECT_EQ(ErrorPosition("model = a;"), 9);  // unexpected character
  EXPECT_EQ(ErrorPosition("model = 'a'"), 8);
  EXPECT_EQ(ErrorPosition("labels.Site = a"), 7);  // invalid label key
  EXPECT_EQ(ErrorPosition("labels. = a"), 7);
  EXPECT_EQ(ErrorPosition("labels = a"), 7);  // labels needs a key
  EXPECT_EQ(ErrorPosition("labels:*"), 7);
  EXPECT_EQ(ErrorPosition("model:gw"), 6);  // ':' only with '*' on plain fields
  EXPECT_EQ(ErrorPosition("labels.a:b"), 9);
  EXPECT_EQ(ErrorPosition("model = *"), 8);
  EXPECT_EQ(ErrorPosition("NOT"), 3);
  EXPECT_EQ(ErrorPosition("model = AND"), 8);
}

TEST(FilterParseTest, LimitsAreEnforced) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "(";
  deep += "model = a";
  for (int i = 0; i < 40; ++i) deep += ")";
  EXPECT_EQ(ErrorPosition(deep), kMaxDepth);  // the first "(" beyond the limit
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  EXPECT_GE(ErrorPosition(nots + "model = a"), 0);
  std::string many = "id = x0";
  for (int i = 1; i <= kMaxComparisons; ++i) many += " OR id = x" + std::to_string(i);
  EXPECT_GE(ErrorPosition(many), 0);
  EXPECT_EQ(ErrorPosition(std::string(kMaxFilterLength + 1, ' ')), static_cast<int>(kMaxFilterLength));
  EXPECT_GE(ErrorPosition("model = \"" + std::string(2000, 'a') + "\""), 0);
}

TEST(FilterParseTest, GarbageNeverCrashes) {
  const std::string alphabet = "()=!:*\" \\abAND ORNOTlabels.xmodel";
  uint32_t seed = 12345;
  for (int n = 0; n < 5000; ++n) {
    std::string s;
    const int len = n % 30;
    for (int i = 0; i < len; ++i) {
      seed = seed * 1103515245 + 12345;
      s += alphabet[(seed >> 16) % alphabet.size()];
    }
    auto e = Parse(s);
    if (e.ok() && e->has_value()) {
      EXPECT_EQ(*Parse(ToString(**e)), *e) << s;
    } else if (!e.ok()) {
      EXPECT_EQ(status::Reason(e.status()), "INVALID_FILTER") << s;
    }
  }
}

TEST(FilterMatchTest, EvaluatesAgainstDevices) {
  const Device a = Gw("a", "gw-200", "north", {{"site", "sh-01"}, {"floor", "2"}});
  const Device b = Gw("b", "gw-100", "south", {{"site", "sh-01"}});
  const Device c = Gw("c", "gw-200", "", {});
  auto match = [](std::string_view f, const Device& d) { return Matches(Parsed(f), d); };
  EXPECT_TRUE(match("labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"", a));
  EXPECT_FALSE(match("labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"", b));
  EXPECT_FALSE(match("labels.site = \"sh-01\" AND model = \"gw-200\" OR group = \"north\"", c));
  EXPECT_TRUE(match("labels.floor:*", a));
  EXPECT_FALSE(match("labels.floor:*", b));
  EXPECT_TRUE(match("labels:floor", a));
  EXPECT_TRUE(match("NOT labels.floor:*", b));
  EXPECT_TRUE(match("group:*", a));
  EXPECT_FALSE(match("group:*", c));
  // A missing label is "not equal".
  EXPECT_TRUE(match("labels.site != \"sh-01\"", c));
  EXPECT_FALSE(match("labels.site = \"sh-01\"", c));
  EXPECT_FALSE(match("labels.site != \"sh-01\"", b));
  EXPECT_TRUE(match("model != gw-100 AND (id = a OR id = c)", c));
  EXPECT_TRUE(match("group = \"\"", c));
  EXPECT_FALSE(match("model = GW-200", a));  // case-sensitive
}

}  // namespace
}  // namespace fleet::devcfg::filter
