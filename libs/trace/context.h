#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace fleet::trace {

// A W3C trace context: 16-byte trace id, 8-byte parent/span id, trace flags (bit 0 = sampled).
// A default-constructed context is invalid (all-zero ids).
struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  uint8_t flags = 1;

  // True if neither id is all zeros.
  bool valid() const;
  // 32 / 16 lowercase hex characters.
  std::string TraceIdHex() const;
  std::string SpanIdHex() const;
  bool sampled() const { return (flags & 1) != 0; }

  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

// Lowercase hex of `n` bytes.
std::string HexEncode(const uint8_t* data, size_t n);

// The current thread's trace context (invalid if none was set). Thread-local, lock-free.
const TraceContext& Current();

// Makes `context` current on this thread for its lifetime and restores the previous one on
// destruction. Must be destroyed on the thread that created it; nest in LIFO order.
class ScopedContext {
 public:
  explicit ScopedContext(const TraceContext& context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  TraceContext previous_;
};

// Low-level: replaces the current thread's context and returns the previous one. Prefer
// ScopedContext; this exists for interceptors whose begin and end happen in separate callbacks.
TraceContext ExchangeCurrent(const TraceContext& context);

}  // namespace fleet::trace
