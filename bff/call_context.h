#pragma once

#include <string>

#include "absl/time/time.h"

namespace fleet::bff {

// Per-call context the BFF forwards to services. The trace context is not here: calls run on
// a thread where trace::Current() is the request span (the request's thread, or a helper thread
// that installed it), and the gRPC client interceptor (grpcx::Dial) makes a client span under it
// and sends its traceparent.
struct CallContext {
  std::string request_id;
  absl::Time deadline = absl::InfiniteFuture();
};

}  // namespace fleet::bff
