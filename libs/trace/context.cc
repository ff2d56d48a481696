#include "libs/trace/context.h"

#include <algorithm>

namespace fleet::trace {
namespace {
thread_local TraceContext current_context;
}  // namespace

bool TraceContext::valid() const {
  auto nonzero = [](uint8_t b) { return b != 0; };
  return std::any_of(trace_id.begin(), trace_id.end(), nonzero) &&
         std::any_of(span_id.begin(), span_id.end(), nonzero);
}

std::string HexEncode(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

std::string TraceContext::TraceIdHex() const { return HexEncode(trace_id.data(), trace_id.size()); }
std::string TraceContext::SpanIdHex() const { return HexEncode(span_id.data(), span_id.size()); }

const TraceContext& Current() { return current_context; }

TraceContext ExchangeCurrent(const TraceContext& context) {
  TraceContext previous = current_context;
  current_context = context;
  return previous;
}

ScopedContext::ScopedContext(const TraceContext& context) : previous_(ExchangeCurrent(context)) {}
ScopedContext::~ScopedContext() { current_context = previous_; }

}  // namespace fleet::trace
