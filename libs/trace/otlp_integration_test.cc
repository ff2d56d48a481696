// Starts the real otlp-receiver binary, exports a parent and a child span through
// OtlpHttpExporter and reads them back from GET /spans.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/trace/trace.h"
#include "rapidjson/document.h"

extern char** environ;

namespace fleet::trace {
namespace {

class ReceiverProcess {
 public:
  ReceiverProcess() {
    std::string dir = ::testing::TempDir();
    port_file_ = dir + "/otlp_port_" + std::to_string(::getpid());
    ::unlink(port_file_.c_str());
    std::string binary = "tools/otlp-receiver/otlp-receiver";
    std::string port_flag = "--port_file=" + port_file_;
    char* args[] = {binary.data(), const_cast<char*>("--port=0"), port_flag.data(), nullptr};
    if (posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, args, environ) != 0) pid_ = -1;
  }
  ~ReceiverProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    ::unlink(port_file_.c_str());
  }
  // Waits for the port file, then for /healthz.
  int WaitForPort() {
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      std::ifstream in(port_file_);
      int port = 0;
      if (in >> port && port > 0) {
        auto res = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz", "",
                               {}, {.timeout = absl::Seconds(2)});
        if (res.ok() && res->status == 200) return port;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return 0;
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string port_file_;
};

TEST(OtlpIntegrationTest, ParentAndChildArriveLinked) {
  ReceiverProcess receiver;
  ASSERT_TRUE(receiver.started());
  int port = receiver.WaitForPort();
  ASSERT_GT(port, 0);

  auto exporter = OtlpHttpExporter::Create(
      {.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces",
       .service_name = "integration"});
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  TraceContext parent_ctx, child_ctx;
  {
    Span parent("handle-request", SpanKind::kServer, TraceContext{}, *exporter);
    parent_ctx = parent.context();
    ScopedContext scope(parent.context());
    Span child("db-query", SpanKind::kClient, Current(), *exporter);
    child.SetAttribute("db.rows", 7);
    child_ctx = child.context();
  }
  Span unrelated("unrelated", SpanKind::kInternal, TraceContext{}, *exporter);
  unrelated.End();
  (*exporter)->Flush();
  EXPECT_EQ((*exporter)->exported(), 3u);

  auto res = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) +
                                    "/spans?trace_id=" + parent_ctx.TraceIdHex());
  ASSERT_TRUE(res.ok()) << res.status();
  rapidjson::Document d;
  d.Parse(res->body.c_str());
  ASSERT_TRUE(d.IsArray()) << res->body;
  ASSERT_EQ(d.Size(), 2u) << res->body;
  // The child ends first, so it is exported first.
  EXPECT_STREQ(d[0]["name"].GetString(), "db-query");
  EXPECT_EQ(d[0]["span_id"].GetString(), child_ctx.SpanIdHex());
  EXPECT_EQ(d[0]["parent_span_id"].GetString(), parent_ctx.SpanIdHex());
  EXPECT_EQ(d[0]["kind"].GetInt(), 3);
  EXPECT_EQ(d[0]["attributes"]["db.rows"].GetInt(), 7);
  EXPECT_STREQ(d[1]["name"].GetString(), "handle-request");
  EXPECT_STREQ(d[1]["parent_span_id"].GetString(), "");
  EXPECT_STREQ(d[1]["service"].GetString(), "integration");
  (*exporter)->Shutdown();
}

}  // namespace
}  // namespace fleet::trace
