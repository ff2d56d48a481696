#include "libs/grpcx/server_interceptor.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "libs/log/log.h"
#include "libs/trace/context.h"

namespace fleet::grpcx {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct Metrics {
  explicit Metrics(std::shared_ptr<prometheus::Registry> r)
      : registry(std::move(r)),
        handled(prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("gRPC calls completed on the server, by method and status code.")
                    .Register(*registry)),
        seconds(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from request arrival to status, by method.")
                    .Register(*registry)) {}
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& seconds;
};

const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *b;
}

class Interceptor : public grpc::experimental::Interceptor {
 public:
  Interceptor(std::shared_ptr<Metrics> metrics, grpc::experimental::ServerRpcInfo* info)
      : metrics_(std::move(metrics)),
        method_(info->method() ? info->method() : ""),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!trace_.valid()) trace_ = trace::Current();  // set by the tracing interceptor
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
    metrics_->handled.Add({{"method", method_}, {"code", code}}).Increment();
    metrics_->seconds.Add({{"method", method_}}, Buckets()).Observe(seconds);
    // Log with the call's trace context even if this thread's current context differs.
    trace::ScopedContext scope(trace_.valid() ? trace_ : trace::Current());
    if (status.ok()) {
      log::Debug("grpc call", {{"method", method_}, {"code", code}, {"duration_ms", seconds * 1e3}});
    } else {
      log::Warn("grpc call failed", {{"method", method_},
                                     {"code", code},
                                     {"duration_ms", seconds * 1e3},
                                     {"error", status.error_message()}});
    }
  }

  std::shared_ptr<Metrics> metrics_;
  std::string method_;
  absl::Time start_;
  trace::TraceContext trace_;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(std::shared_ptr<prometheus::Registry> registry)
      : metrics_(std::make_shared<Metrics>(std::move(registry))) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Interceptor(metrics_, info);
  }

 private:
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsAndLogInterceptorFactory(std::shared_ptr<prometheus::Registry> registry) {
  return std::make_unique<Factory>(std::move(registry));
}

}  // namespace fleet::grpcx
