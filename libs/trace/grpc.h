#pragma once

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace fleet::trace {

// Metadata key carrying the W3C trace context.
inline constexpr char kTraceparentKey[] = "traceparent";

// Client interceptor factory: every call gets a client span (child of Current() on the calling
// thread, a new root if none) named after the method, and its context is sent as `traceparent`.
// The span ends with the call; non-OK statuses mark it as error with attribute rpc.grpc.status_code.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientInterceptorFactory();

// Server interceptor factory: reads `traceparent` (invalid or missing -> new root), starts a server
// span named after the method and makes its context current on the thread that receives the request
// until the status is sent. With the synchronous API that is the handler's thread, so
// Current()/log lines inside handlers carry the span; async/callback handlers should read
// the context explicitly. The span ends when the status is sent.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerInterceptorFactory();

}  // namespace fleet::trace
