#include "bff/static_files.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

void Write(const fs::path& p, const std::string& body) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << body;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") / "web";
    fs::remove_all(root_);
    Write(root_ / "index.html", "<!doctype html><script type=module src=/assets/index-AbC_12-x.js></script>");
    Write(root_ / "assets" / "index-AbC_12-x.js", "console.log(1)");
    Write(root_ / "assets" / "index-Zz09zz09.css", "body{}");
    Write(root_ / "assets" / "logo.svg", "<svg/>");
    Write(root_ / "secret.txt", "top secret");
    Write(root_ / "assets" / ".hidden", "hidden");
    fs::create_symlink(root_ / "secret.txt", root_ / "assets" / "link.txt");
  }
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesIndexWithNoCacheAndStrictHeaders) {
  auto files = StaticFiles::Load(root_.string());
  ASSERT_TRUE(files.ok()) << files.status();
  http::Response r = (*files)->Index();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("/assets/index-AbC_12-x.js"));
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  const std::string csp = HeaderOf(r, "Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
  EXPECT_THAT(csp, HasSubstr("default-src 'self'"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, ::testing::Not(HasSubstr("unsafe-inline")));
  EXPECT_THAT(csp, ::testing::Not(HasSubstr("unsafe-eval")));
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableWithTheirContentType) {
  auto files = StaticFiles::Load(root_.string());
  ASSERT_TRUE(files.ok());
  ASSERT_TRUE((*files)->Asset("index-AbC_12-x.js").has_value());
  http::Response js = *(*files)->Asset("index-AbC_12-x.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(js, "X-Content-Type-Options"), "nosniff");
  http::Response css = *(*files)->Asset("index-Zz09zz09.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  http::Response svg = *(*files)->Asset("logo.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(svg, "Cache-Control"), "no-cache");  // not hashed
}

TEST_F(StaticFilesTest, NothingOutsideAssetsIsReachable) {
  auto files = StaticFiles::Load(root_.string());
  ASSERT_TRUE(files.ok());
  for (const char* bad : {"../secret.txt", "..", ".", "", ".hidden", "link.txt", "../index.html",
                          "..%2fsecret.txt", "/etc/passwd", "missing-12345678.js", "a/b.js", "index.html"}) {
    EXPECT_FALSE((*files)->Asset(bad).has_value()) << bad;
  }
}

TEST_F(StaticFilesTest, EmptyRootServesTheNotBuiltPage) {
  auto files = StaticFiles::Load("");
  ASSERT_TRUE(files.ok());
  http::Response r = (*files)->Index();
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("not built"));
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_FALSE((*files)->Asset("index-AbC_12-x.js").has_value());
}

TEST_F(StaticFilesTest, MissingIndexOrTooLargeFailsToLoad) {
  EXPECT_EQ(StaticFiles::Load((root_ / "nope").string()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(StaticFiles::Load(root_.string(), 10).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StaticFilesNames, SpaPathsAndHashes) {
  EXPECT_TRUE(StaticFiles::IsSpaPath("/"));
  EXPECT_TRUE(StaticFiles::IsSpaPath("/devices/dev-000001"));
  EXPECT_TRUE(StaticFiles::IsSpaPath("/admin/keys"));
  EXPECT_FALSE(StaticFiles::IsSpaPath("/v1/nope"));
  EXPECT_FALSE(StaticFiles::IsSpaPath("/v1"));
  EXPECT_FALSE(StaticFiles::IsSpaPath("/assets/x.js"));
  EXPECT_FALSE(StaticFiles::IsSpaPath("/metrics"));
  EXPECT_FALSE(StaticFiles::IsSpaPath("relative"));
  EXPECT_TRUE(StaticFiles::IsHashed("index-BvX3k_9a.js"));
  EXPECT_TRUE(StaticFiles::IsHashed("vendor-chunk-a1b2-3d4.css"));
  EXPECT_FALSE(StaticFiles::IsHashed("logo.svg"));
  EXPECT_FALSE(StaticFiles::IsHashed("index.js"));
  EXPECT_FALSE(StaticFiles::IsHashed("a-short.js"));
  EXPECT_EQ(StaticFiles::ContentTypeOf("x.WOFF2"), "font/woff2");
  EXPECT_EQ(StaticFiles::ContentTypeOf("x.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace fleet::bff
