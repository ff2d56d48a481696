#include "libs/trace/grpc.h"

#include <optional>
#include <string>
#include <thread>

#include "libs/trace/context.h"
#include "libs/trace/span.h"
#include "libs/trace/trace.h"

namespace fleet::trace {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

void FinishSpan(Span& span, const grpc::Status& status) {
  span.SetAttribute("rpc.grpc.status_code", static_cast<int64_t>(status.error_code()));
  if (status.ok()) {
    span.SetOk();
  } else {
    span.SetError(status.error_message());
  }
  span.End();
}

class ClientInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit ClientInterceptor(grpc::experimental::ClientRpcInfo* info)
      : method_(info->method() ? info->method() : "") {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      span_.emplace(method_, SpanKind::kClient, Current());
      span_->SetAttribute("rpc.system", "grpc");
      methods->GetSendInitialMetadata()->emplace(kTraceparentKey,
                                                 FormatTraceparent(span_->context()));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS) &&
        span_.has_value()) {
      FinishSpan(*span_, *methods->GetRecvStatus());
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  std::optional<Span> span_;
};

class ClientFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new ClientInterceptor(info);
  }
};

class ServerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit ServerInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() ? info->method() : "") {}

  ~ServerInterceptor() override { RestoreContext(); }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      TraceContext parent;
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kTraceparentKey);
      if (it != md->end()) {
        absl::StatusOr<TraceContext> parsed =
            ParseTraceparent(std::string_view(it->second.data(), it->second.size()));
        if (parsed.ok()) parent = *parsed;
      }
      span_.emplace(method_, SpanKind::kServer, parent);
      span_->SetAttribute("rpc.system", "grpc");
      previous_ = ExchangeCurrent(span_->context());
      thread_ = std::this_thread::get_id();
      installed_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        span_.has_value()) {
      FinishSpan(*span_, methods->GetSendStatus());
      RestoreContext();
    }
    methods->Proceed();
  }

 private:
  // Restores the previous context if we installed ours on this very thread.
  void RestoreContext() {
    if (!installed_ || thread_ != std::this_thread::get_id()) return;
    if (Current() == span_->context()) ExchangeCurrent(previous_);
    installed_ = false;
  }

  std::string method_;
  std::optional<Span> span_;
  TraceContext previous_;
  std::thread::id thread_;
  bool installed_ = false;
};

class ServerFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServerInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientInterceptorFactory() {
  return std::make_unique<ClientFactory>();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerInterceptorFactory() {
  return std::make_unique<ServerFactory>();
}

}  // namespace fleet::trace
