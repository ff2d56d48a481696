#include "libs/trace/trace.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace fleet::trace {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // Uppercase is invalid per W3C.
}

bool DecodeHex(std::string_view hex, uint8_t* out) {
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
void FillRandom(std::array<uint8_t, N>& bytes) {
  thread_local absl::BitGen gen;
  do {
    for (uint8_t& b : bytes) b = absl::Uniform<uint8_t>(gen);
  } while (std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }));
}

absl::Status Invalid(std::string_view why, std::string_view header) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid traceparent (", std::string(why), "): \"", std::string(header), "\""));
}

}  // namespace

absl::StatusOr<TraceContext> ParseTraceparent(std::string_view header) {
  constexpr size_t kLen = 55;
  if (header.size() < kLen) return Invalid("too short", header);
  uint8_t version;
  if (!DecodeHex(header.substr(0, 2), &version)) return Invalid("version not lowercase hex", header);
  if (version == 0xff) return Invalid("version ff", header);
  if (version == 0 && header.size() != kLen) return Invalid("version 00 must be 55 chars", header);
  if (version > 0 && header.size() > kLen && header[kLen] != '-') {
    return Invalid("bad separator after flags", header);
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return Invalid("bad separators", header);
  }
  TraceContext ctx;
  if (!DecodeHex(header.substr(3, 32), ctx.trace_id.data())) return Invalid("trace-id", header);
  if (!DecodeHex(header.substr(36, 16), ctx.span_id.data())) return Invalid("parent-id", header);
  if (!DecodeHex(header.substr(53, 2), &ctx.flags)) return Invalid("flags", header);
  auto zero = [](uint8_t b) { return b == 0; };
  if (std::all_of(ctx.trace_id.begin(), ctx.trace_id.end(), zero)) {
    return Invalid("all-zero trace-id", header);
  }
  if (std::all_of(ctx.span_id.begin(), ctx.span_id.end(), zero)) {
    return Invalid("all-zero parent-id", header);
  }
  return ctx;
}

std::string FormatTraceparent(const TraceContext& context) {
  return absl::StrCat("00-", context.TraceIdHex(), "-", context.SpanIdHex(), "-",
                      HexEncode(&context.flags, 1));
}

TraceContext NewRoot() {
  TraceContext ctx;
  FillRandom(ctx.trace_id);
  FillRandom(ctx.span_id);
  ctx.flags = 1;
  return ctx;
}

TraceContext NewChild(const TraceContext& parent) {
  if (!parent.valid()) return NewRoot();
  TraceContext ctx = parent;
  FillRandom(ctx.span_id);
  return ctx;
}

}  // namespace fleet::trace
