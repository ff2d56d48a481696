#include "bff/ssh/bridge.h"

#include <algorithm>

#include "libs/status/status.h"

namespace fleet::bff::ssh {

const char* EndReasonName(EndReason r) {
  switch (r) {
    case EndReason::kIdleTimeout: return "IDLE_TIMEOUT";
    case EndReason::kMaxDuration: return "MAX_DURATION";
    case EndReason::kRemoteClosed: return "REMOTE_CLOSED";
    case EndReason::kTunnelClosed: return "TUNNEL_CLOSED";
    case EndReason::kClientClosed: return "CLIENT_CLOSED";
    case EndReason::kStopped: return "SERVER_SHUTDOWN";
  }
  return "REMOTE_CLOSED";
}

Bridge::Bridge(SshShell& shell, Terminal& terminal, BridgeLimits limits)
    : shell_(shell), terminal_(terminal), limits_(std::move(limits)) {}

void Bridge::Stop() {
  stop_ = true;
  shell_.Wake();
}

BridgeResult Bridge::Run() {
  BridgeResult out;
  const absl::Time start = absl::Now();
  absl::Time last_activity = start;
  absl::Time next_check = limits_.check ? start + limits_.check_interval : absl::InfiniteFuture();
  terminal_.OnInput([this] { shell_.Wake(); });
  auto end = [&](EndReason r, absl::Status error = absl::OkStatus()) {
    terminal_.OnInput(nullptr);
    out.reason = r;
    out.error = std::move(error);
    out.duration = absl::Now() - start;
    return out;
  };
  while (true) {
    if (stop_) return end(EndReason::kStopped);
    absl::Time now = absl::Now();
    if (now - start >= limits_.max) return end(EndReason::kMaxDuration);
    if (now - last_activity >= limits_.idle) return end(EndReason::kIdleTimeout);
    if (now >= next_check) {
      if (absl::Status st = limits_.check(); !st.ok()) return end(EndReason::kTunnelClosed, st);
      next_check = now + limits_.check_interval;
    }
    // Everything the user sent so far goes to the device first.
    while (std::optional<TerminalEvent> ev = terminal_.Poll()) {
      if (ev->kind == TerminalEvent::Kind::kClosed) return end(EndReason::kClientClosed);
      absl::Status st = ev->kind == TerminalEvent::Kind::kData ? shell_.Write(ev->data)
                                                               : shell_.Resize(ev->cols, ev->rows);
      if (!st.ok()) return end(EndReason::kRemoteClosed, st);
      if (ev->kind == TerminalEvent::Kind::kData) {
        out.bytes_in += static_cast<int64_t>(ev->data.size());
        last_activity = absl::Now();
      }
    }
    now = absl::Now();
    const absl::Time wake_at = std::min({start + limits_.max, last_activity + limits_.idle, next_check});
    absl::StatusOr<std::string> got = shell_.Read(std::max(absl::ZeroDuration(), wake_at - now));
    if (!got.ok()) {
      return end(EndReason::kRemoteClosed,
                 got.status().code() == absl::StatusCode::kOutOfRange ? absl::OkStatus() : got.status());
    }
    if (!got->empty()) {
      out.bytes_out += static_cast<int64_t>(got->size());
      last_activity = absl::Now();
      if (!terminal_.Output(*std::move(got)).ok()) return end(EndReason::kClientClosed);
    }
  }
}

}  // namespace fleet::bff::ssh
