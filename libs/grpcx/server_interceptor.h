#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace fleet::grpcx {

// Server interceptor factory recording, for every call that sends a status:
//   grpc_server_handled_total{method, code}   counter
//   grpc_server_handling_seconds{method}      histogram (from request arrival to status)
// in `registry`, and one JSON access-log line (debug for OK, warn otherwise) with method, code,
// duration_ms and the message of errors. Place it before the tracing interceptor in the creator list
// so log lines carry the server span's trace id (see server.cc). Thread-safe.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsAndLogInterceptorFactory(std::shared_ptr<prometheus::Registry> registry);

}  // namespace fleet::grpcx
