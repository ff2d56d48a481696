#include "libs/trace/trace.h"

#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace fleet::trace {
namespace {

constexpr char kGood[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(TraceparentTest, ParsesValidHeader) {
  auto ctx = ParseTraceparent(kGood);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(ctx->TraceIdHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(ctx->SpanIdHex(), "b7ad6b7169203331");
  EXPECT_EQ(ctx->flags, 1);
  EXPECT_TRUE(ctx->valid());
  EXPECT_TRUE(ctx->sampled());
  EXPECT_EQ(FormatTraceparent(*ctx), kGood);
}

TEST(TraceparentTest, UnsampledFlags) {
  auto ctx = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(ctx.ok());
  EXPECT_FALSE(ctx->sampled());
}

TEST(TraceparentTest, RejectsInvalid) {
  for (const char* bad : {
           "",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",     // short
           "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",    // uppercase
           "00-00000000000000000000000000000000-b7ad6b7169203331-01",    // zero trace id
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",    // zero span id
           "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // version ff
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // v00 with extra
           "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // separator
           "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // version hex
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333z-01",    // span hex
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",    // flags hex
           "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",   // future: no dash
       }) {
    auto ctx = ParseTraceparent(bad);
    EXPECT_EQ(ctx.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(TraceparentTest, FutureVersionsParsePrefix) {
  auto ctx = ParseTraceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-ever");
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(ctx->SpanIdHex(), "b7ad6b7169203331");
  EXPECT_TRUE(ParseTraceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").ok());
}

TEST(IdsTest, RootAndChild) {
  TraceContext root = NewRoot();
  EXPECT_TRUE(root.valid());
  EXPECT_TRUE(root.sampled());
  TraceContext child = NewChild(root);
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.span_id, root.span_id);
  EXPECT_TRUE(NewChild(TraceContext{}).valid());
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRoot().TraceIdHex());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(ContextTest, ScopedContextNestsAndIsThreadLocal) {
  EXPECT_FALSE(Current().valid());
  TraceContext a = NewRoot();
  TraceContext b = NewChild(a);
  {
    ScopedContext sa(a);
    EXPECT_EQ(Current(), a);
    {
      ScopedContext sb(b);
      EXPECT_EQ(Current(), b);
      std::thread([] { EXPECT_FALSE(Current().valid()); }).join();
    }
    EXPECT_EQ(Current(), a);
  }
  EXPECT_FALSE(Current().valid());
}

}  // namespace
}  // namespace fleet::trace
