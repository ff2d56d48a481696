#include "libs/grpcx/server.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>
#include <grpcpp/support/byte_buffer.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/log/log.h"
#include "libs/trace/context.h"
#include "libs/trace/span.h"
#include "libs/trace/testing.h"
#include "libs/trace/trace.h"
#include "prometheus/text_serializer.h"

namespace fleet::grpcx {
namespace {

using ::testing::HasSubstr;

std::string ToString(const grpc::ByteBuffer& buf) {
  std::vector<grpc::Slice> slices;
  (void)buf.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

grpc::ByteBuffer FromString(const std::string& s) {
  grpc::Slice slice(s);
  return grpc::ByteBuffer(&slice, 1);
}

// A codegen-free synchronous service: /fleet.test.Echo/Echo echoes its bytes, or fails with
// NOT_FOUND when the request is "missing"; it records the trace context its handler saw.
class EchoService : public grpc::Service {
 public:
  EchoService() {
    AddMethod(new grpc::internal::RpcServiceMethod(
        "/fleet.test.Echo/Echo", grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<EchoService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [](EchoService* self, grpc::ServerContext*, const grpc::ByteBuffer* req,
               grpc::ByteBuffer* resp) { return self->Echo(*req, resp); },
            this)));
  }
  trace::TraceContext seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  grpc::Status Echo(const grpc::ByteBuffer& req, grpc::ByteBuffer* resp) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_ = trace::Current();
    }
    if (ToString(req) == "missing") return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such");
    *resp = req;
    return grpc::Status::OK;
  }
  std::mutex mu_;
  trace::TraceContext seen_;
};

grpc::Status Call(grpc::Channel* channel, const std::string& method, const std::string& request,
                  std::string* response) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::ByteBuffer req = FromString(request), resp;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  if (response != nullptr) *response = ToString(resp);
  return status;
}

// grpc.health.v1.HealthCheckResponse.status as raw protobuf: field 1 varint.
constexpr char kServing[] = "\x08\x01";
constexpr char kNotServing[] = "\x08\x02";
constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    exporter_ = std::make_shared<trace::InMemoryExporter>();
    trace::InstallExporter(exporter_);
    registry_ = std::make_shared<prometheus::Registry>();
    auto server = Server::Start({}, {&echo_}, registry_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = Dial("127.0.0.1:" + std::to_string(server_->port()));
  }
  void TearDown() override {
    server_->Shutdown();
    trace::InstallExporter(nullptr);
  }
  std::string Metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
  }

  EchoService echo_;
  std::shared_ptr<trace::InMemoryExporter> exporter_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, HealthCheckFollowsSetServing) {
  std::string resp;
  ASSERT_TRUE(Call(channel_.get(), kHealthCheck, "", &resp).ok());
  EXPECT_EQ(resp, kServing);
  server_->SetServing(false);
  ASSERT_TRUE(Call(channel_.get(), kHealthCheck, "", &resp).ok());
  EXPECT_EQ(resp, kNotServing);
}

TEST_F(ServerTest, MetricsCountCallsByMethodAndCode) {
  ASSERT_TRUE(Call(channel_.get(), kHealthCheck, "", nullptr).ok());
  ASSERT_TRUE(Call(channel_.get(), kHealthCheck, "", nullptr).ok());
  std::string resp;
  ASSERT_TRUE(Call(channel_.get(), "/fleet.test.Echo/Echo", "hi", &resp).ok());
  EXPECT_EQ(resp, "hi");
  EXPECT_EQ(Call(channel_.get(), "/fleet.test.Echo/Echo", "missing", nullptr).error_code(),
            grpc::StatusCode::NOT_FOUND);
  std::string m = Metrics();
  EXPECT_THAT(m, HasSubstr(
      "grpc_server_handled_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"} 2"));
  EXPECT_THAT(m, HasSubstr(
      "grpc_server_handled_total{code=\"OK\",method=\"/fleet.test.Echo/Echo\"} 1"));
  EXPECT_THAT(m, HasSubstr(
      "grpc_server_handled_total{code=\"NOT_FOUND\",method=\"/fleet.test.Echo/Echo\"} 1"));
  EXPECT_THAT(m, HasSubstr(
      "grpc_server_handling_seconds_count{method=\"/grpc.health.v1.Health/Check\"} 2"));
}

TEST_F(ServerTest, TraceparentFromClientBecomesParentOfServerSpan) {
  trace::TraceContext root = trace::NewRoot();
  {
    trace::ScopedContext scope(root);
    ASSERT_TRUE(Call(channel_.get(), "/fleet.test.Echo/Echo", "x", nullptr).ok());
    ASSERT_TRUE(Call(channel_.get(), kHealthCheck, "", nullptr).ok());
  }
  std::vector<trace::SpanData> spans = exporter_->spans();
  auto find = [&](trace::SpanKind kind, const std::string& name) -> const trace::SpanData* {
    for (const auto& s : spans) {
      if (s.kind == kind && s.name == name) return &s;
    }
    return nullptr;
  };
  for (const std::string method : {"/fleet.test.Echo/Echo", kHealthCheck}) {
    const trace::SpanData* client = find(trace::SpanKind::kClient, method);
    const trace::SpanData* server = find(trace::SpanKind::kServer, method);
    ASSERT_NE(client, nullptr) << method;
    ASSERT_NE(server, nullptr) << method;
    EXPECT_EQ(client->context.trace_id, root.trace_id);
    EXPECT_EQ(client->parent_span_id, root.span_id);
    EXPECT_EQ(server->context.trace_id, root.trace_id);
    EXPECT_EQ(server->parent_span_id, client->context.span_id) << method;
    EXPECT_EQ(server->status, trace::SpanStatus::kOk);
    if (method == "/fleet.test.Echo/Echo") {
      // The sync handler ran with the server span current.
      EXPECT_EQ(echo_.seen(), server->context);
    }
  }
}

TEST_F(ServerTest, ErrorsMarkSpansAndAccessLogCarriesTraceId) {
  std::string path = ::testing::TempDir() + "/grpcx_log_" + std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  log::SetOutputFdForTest(fd);
  grpc::Status status = Call(channel_.get(), "/fleet.test.Echo/Echo", "missing", nullptr);
  log::SetOutputFdForTest(2);
  ::close(fd);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  int errors = 0;
  std::string server_trace;
  for (const auto& s : exporter_->spans()) {
    if (s.status == trace::SpanStatus::kError) ++errors;
    if (s.kind == trace::SpanKind::kServer) server_trace = s.context.TraceIdHex();
  }
  EXPECT_EQ(errors, 2);  // client and server span
  std::ifstream in(path);
  std::string line, access;
  while (std::getline(in, line)) {
    if (line.find("grpc call failed") != std::string::npos) access = line;
  }
  EXPECT_THAT(access, HasSubstr("\"level\":\"warn\""));
  EXPECT_THAT(access, HasSubstr("\"code\":\"NOT_FOUND\""));
  ASSERT_FALSE(server_trace.empty());
  EXPECT_THAT(access, HasSubstr("\"trace_id\":\"" + server_trace + "\""));
}

TEST_F(ServerTest, AcceptsRequestsAboveGrpcsDefaultFourMegabytes) {
  const std::string big(10 << 20, 'x');  // e.g. a 100,000-row device import
  std::string echoed;
  grpc::Status st = Call(channel_.get(), "/fleet.test.Echo/Echo", big, &echoed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(echoed.size(), big.size());
}

TEST(ServerLimitTest, RejectsRequestsAboveTheConfiguredLimit) {
  EchoService echo;
  auto server = Server::Start({.max_receive_message_bytes = 1 << 20}, {&echo},
                              std::make_shared<prometheus::Registry>());
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = Dial("127.0.0.1:" + std::to_string((*server)->port()));
  grpc::Status st = Call(channel.get(), "/fleet.test.Echo/Echo", std::string(2 << 20, 'x'), nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServerTest, ShutdownStopsServingAndIsIdempotent) {
  int port = server_->port();
  server_->Shutdown();
  server_->Shutdown();
  auto channel = Dial("127.0.0.1:" + std::to_string(port));
  grpc::Status s = Call(channel.get(), kHealthCheck, "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(ServerStartTest, PollerBoundsAreCheckedAndConcurrentCallsAreServed) {
  auto registry = std::make_shared<prometheus::Registry>();
  EchoService echo;
  ServerOptions bad;
  bad.min_pollers = 4;
  bad.max_pollers = 2;
  EXPECT_EQ(Server::Start(bad, {&echo}, registry).status().code(), absl::StatusCode::kInvalidArgument);
  bad.min_pollers = 0;
  EXPECT_EQ(Server::Start(bad, {&echo}, registry).status().code(), absl::StatusCode::kInvalidArgument);

  ServerOptions options;
  options.min_pollers = 1;
  options.max_pollers = 3;
  auto server = Server::Start(options, {&echo}, registry);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = Dial("127.0.0.1:" + std::to_string((*server)->port()));
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 16; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string want = absl::StrCat("c", t, "-", i), got;
        if (Call(channel.get(), "/fleet.test.Echo/Echo", want, &got).ok() && got == want) ++ok;
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(ok.load(), 16 * 25);
  (*server)->Shutdown();
}

TEST(ServerStartTest, BadAddressIsUnavailable) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto server = Server::Start({.address = "256.1.1.1:1"}, {}, registry);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Server::Start({}, {}, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::grpcx
