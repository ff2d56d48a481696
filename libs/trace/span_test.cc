#include "libs/trace/span.h"

#include "gtest/gtest.h"
#include "libs/trace/testing.h"
#include "libs/trace/trace.h"

namespace fleet::trace {
namespace {

TEST(SpanTest, RootSpanExportedOnDestruction) {
  auto exporter = std::make_shared<InMemoryExporter>();
  TraceContext ctx;
  {
    Span span("root", SpanKind::kServer, TraceContext{}, exporter);
    span.SetAttribute("device_id", "d1");
    span.SetAttribute("count", 3);
    span.SetAttribute("ratio", 0.5);
    span.SetAttribute("retry", true);
    span.SetError("boom");
    ctx = span.context();
    EXPECT_TRUE(exporter->spans().empty());
  }
  auto spans = exporter->spans();
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& s = spans[0];
  EXPECT_EQ(s.name, "root");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.context, ctx);
  EXPECT_FALSE(s.has_parent());
  EXPECT_EQ(s.ParentSpanIdHex(), "");
  EXPECT_LE(s.start, s.end);
  ASSERT_EQ(s.attributes.size(), 4u);
  EXPECT_EQ(std::get<std::string>(s.attributes[0].second), "d1");
  EXPECT_EQ(std::get<int64_t>(s.attributes[1].second), 3);
  EXPECT_EQ(std::get<double>(s.attributes[2].second), 0.5);
  EXPECT_EQ(std::get<bool>(s.attributes[3].second), true);
  EXPECT_EQ(s.status, SpanStatus::kError);
  EXPECT_EQ(s.status_message, "boom");
}

TEST(SpanTest, ChildOfCurrentAndEndIsIdempotent) {
  auto exporter = std::make_shared<InMemoryExporter>();
  InstallExporter(exporter);
  TraceContext parent = NewRoot();
  {
    ScopedContext scope(parent);
    Span child("child", SpanKind::kClient);
    EXPECT_EQ(child.context().trace_id, parent.trace_id);
    child.End();
    child.End();
  }
  InstallExporter(nullptr);
  auto spans = exporter->spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].parent_span_id, parent.span_id);
  EXPECT_EQ(spans[0].ParentSpanIdHex(), parent.SpanIdHex());
}

TEST(SpanTest, UnsampledSpansAreNotExported) {
  auto exporter = std::make_shared<InMemoryExporter>();
  TraceContext parent = NewRoot();
  parent.flags = 0;
  { Span span("x", SpanKind::kInternal, parent, exporter); }
  EXPECT_TRUE(exporter->spans().empty());
}

TEST(SpanTest, NoExporterIsFine) {
  InstallExporter(nullptr);
  Span span("x");
  span.End();
}

}  // namespace
}  // namespace fleet::trace
