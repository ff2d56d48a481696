#include "libs/trace/otlp_exporter.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "libs/http/server.h"
#include "libs/trace/trace.h"
#include "rapidjson/document.h"

namespace fleet::trace {
namespace {

SpanData MakeSpan(std::string name, const TraceContext& parent) {
  SpanData s;
  s.name = std::move(name);
  s.context = NewChild(parent);
  if (parent.valid()) s.parent_span_id = parent.span_id;
  s.kind = SpanKind::kClient;
  s.start = absl::FromUnixNanos(1700000000000000001);
  s.end = absl::FromUnixNanos(1700000000500000002);
  s.attributes = {{"s", std::string("v")}, {"i", int64_t{42}}, {"d", 1.5}, {"b", true}};
  s.status = SpanStatus::kError;
  s.status_message = "bad";
  return s;
}

TEST(OtlpJsonTest, Shape) {
  TraceContext root = NewRoot();
  SpanData s = MakeSpan("call", root);
  rapidjson::Document d;
  d.Parse(OtlpHttpExporter::ToOtlpJson({s}, "tunnel").c_str());
  ASSERT_FALSE(d.HasParseError());
  const auto& rs = d["resourceSpans"][0];
  EXPECT_STREQ(rs["resource"]["attributes"][0]["key"].GetString(), "service.name");
  EXPECT_STREQ(rs["resource"]["attributes"][0]["value"]["stringValue"].GetString(), "tunnel");
  const auto& span = rs["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"].GetString(), root.TraceIdHex());
  EXPECT_EQ(span["spanId"].GetString(), s.context.SpanIdHex());
  EXPECT_EQ(span["parentSpanId"].GetString(), root.SpanIdHex());
  EXPECT_STREQ(span["name"].GetString(), "call");
  EXPECT_EQ(span["kind"].GetInt(), 3);
  EXPECT_STREQ(span["startTimeUnixNano"].GetString(), "1700000000000000001");
  EXPECT_STREQ(span["endTimeUnixNano"].GetString(), "1700000000500000002");
  EXPECT_STREQ(span["attributes"][1]["value"]["intValue"].GetString(), "42");
  EXPECT_DOUBLE_EQ(span["attributes"][2]["value"]["doubleValue"].GetDouble(), 1.5);
  EXPECT_TRUE(span["attributes"][3]["value"]["boolValue"].GetBool());
  EXPECT_EQ(span["status"]["code"].GetInt(), 2);
  EXPECT_STREQ(span["status"]["message"].GetString(), "bad");
  // Root spans have no parentSpanId.
  d.Parse(OtlpHttpExporter::ToOtlpJson({MakeSpan("r", TraceContext{})}, "x").c_str());
  EXPECT_FALSE(d["resourceSpans"][0]["scopeSpans"][0]["spans"][0].HasMember("parentSpanId"));
}

class Collector {
 public:
  Collector() {
    server_ = *http::Server::Start({}, [this](const http::Request& r) {
      while (stall_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      rapidjson::Document d;
      d.Parse(r.body.c_str());
      std::lock_guard<std::mutex> lock(mu_);
      ++posts_;
      if (r.method != "POST" || r.path != "/v1/traces" || d.HasParseError() ||
          r.Header("content-type") != "application/json") {
        return http::Response{400};
      }
      spans_ += d["resourceSpans"][0]["scopeSpans"][0]["spans"].Size();
      return http::Response{fail_ ? 503 : 200, "application/json", {}, "{}"};
    });
  }
  ~Collector() {
    stall_ = false;  // let stalled handlers finish before the server joins its threads
    server_.reset();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/traces";
  }
  int spans() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }
  int posts() {
    std::lock_guard<std::mutex> lock(mu_);
    return posts_;
  }
  void set_fail(bool f) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = f;
  }
  // While stalled, requests get no answer.
  void set_stall(bool s) { stall_ = s; }

 private:
  std::mutex mu_;
  int spans_ = 0;
  int posts_ = 0;
  bool fail_ = false;
  std::atomic<bool> stall_{false};
  std::unique_ptr<http::Server> server_;
};

TEST(OtlpExporterTest, BatchesAndFlushes) {
  Collector collector;
  auto exporter = OtlpHttpExporter::Create(
      {.endpoint = collector.endpoint(), .service_name = "t", .max_batch = 10,
       .flush_interval = absl::Hours(1)});
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  for (int i = 0; i < 25; ++i) (*exporter)->Export(MakeSpan("s", NewRoot()));
  (*exporter)->Flush();
  EXPECT_EQ(collector.spans(), 25);
  EXPECT_EQ(collector.posts(), 3);  // 10 + 10 + 5
  EXPECT_EQ((*exporter)->exported(), 25u);
  EXPECT_EQ((*exporter)->dropped(), 0u);
}

TEST(OtlpExporterTest, FlushIntervalSendsWithoutExplicitFlush) {
  Collector collector;
  auto exporter = *OtlpHttpExporter::Create(
      {.endpoint = collector.endpoint(), .flush_interval = absl::Milliseconds(50)});
  exporter->Export(MakeSpan("s", NewRoot()));
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (exporter->exported() < 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(exporter->exported(), 1u);
}

TEST(OtlpExporterTest, BoundedQueueDropsAndShutdownFlushes) {
  Collector collector;
  auto exporter = *OtlpHttpExporter::Create({.endpoint = collector.endpoint(),
                                             .max_queue = 5,
                                             .max_batch = 100,
                                             .flush_interval = absl::Hours(1)});
  for (int i = 0; i < 8; ++i) exporter->Export(MakeSpan("s", NewRoot()));
  EXPECT_EQ(exporter->dropped(), 3u);
  exporter->Shutdown();
  EXPECT_EQ(collector.spans(), 5);
  exporter->Export(MakeSpan("late", NewRoot()));
  EXPECT_EQ(exporter->dropped(), 4u);
}

TEST(OtlpExporterTest, FailuresAreCounted) {
  Collector collector;
  collector.set_fail(true);
  auto exporter = *OtlpHttpExporter::Create({.endpoint = collector.endpoint()});
  exporter->Export(MakeSpan("s", NewRoot()));
  exporter->Flush();
  EXPECT_EQ(exporter->failed(), 1u);
  EXPECT_EQ(exporter->exported(), 0u);
}

TEST(OtlpExporterTest, TimeoutBoundsAStalledCollector) {
  Collector collector;
  collector.set_stall(true);
  auto exporter = *OtlpHttpExporter::Create(
      {.endpoint = collector.endpoint(), .timeout = absl::Milliseconds(200)});
  exporter->Export(MakeSpan("s", NewRoot()));
  const absl::Time start = absl::Now();
  exporter->Flush();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // the client default would be 30s
  EXPECT_EQ(exporter->failed(), 1u);
  EXPECT_EQ(exporter->exported(), 0u);
  collector.set_stall(false);
  exporter->Export(MakeSpan("s", NewRoot()));
  exporter->Flush();
  EXPECT_EQ(exporter->exported(), 1u);  // recovers once the collector answers again
}

TEST(OtlpExporterTest, UnreachableEndpointFailsFast) {
  auto exporter = *OtlpHttpExporter::Create(
      {.endpoint = "http://127.0.0.1:1/v1/traces", .timeout = absl::Seconds(2)});
  exporter->Export(MakeSpan("s", NewRoot()));
  exporter->Flush();
  EXPECT_EQ(exporter->failed(), 1u);
}

TEST(OtlpExporterTest, BadEndpoint) {
  EXPECT_EQ(OtlpHttpExporter::Create({.endpoint = "grpc://x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpHttpExporter::Create({.endpoint = "http://x:99999/v1/traces"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::trace
