#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bff/ssh/ssh_shell.h"

namespace fleet::bff::ssh {

// Something the user did in the page.
struct TerminalEvent {
  enum class Kind { kData, kResize, kClosed };
  Kind kind = Kind::kData;
  std::string data;  // kData: keystrokes / pasted bytes
  int cols = 0, rows = 0;  // kResize
};

// The user's side of a bridge (the browser's WebSocket in production, a fake in tests).
class Terminal {
 public:
  virtual ~Terminal() = default;
  // The next event without waiting; nullopt when none is waiting.
  virtual std::optional<TerminalEvent> Poll() = 0;
  // Output for the user; an error means the user is gone.
  virtual absl::Status Output(std::string bytes) = 0;
  // `wake` must be called (from any thread) whenever an event becomes available for Poll.
  virtual void OnInput(std::function<void()> wake) = 0;
};

struct BridgeLimits {
  absl::Duration idle = absl::Minutes(10);  // no byte either way for this long ends the session
  absl::Duration max = absl::Hours(1);      // absolute session length
  // Called every check_interval (e.g. "is the tunnel still OPEN?"); a non-OK answer ends the
  // session with kTunnelClosed. null = never.
  std::function<absl::Status()> check;
  absl::Duration check_interval = absl::Seconds(30);
};

enum class EndReason { kIdleTimeout, kMaxDuration, kRemoteClosed, kTunnelClosed, kClientClosed, kStopped };

// "IDLE_TIMEOUT", "MAX_DURATION", "REMOTE_CLOSED", "TUNNEL_CLOSED", "CLIENT_CLOSED", "SERVER_SHUTDOWN".
const char* EndReasonName(EndReason r);

struct BridgeResult {
  EndReason reason = EndReason::kRemoteClosed;
  absl::Status error;  // why, when the SSH side failed (kRemoteClosed after a broken connection)
  absl::Duration duration;
  int64_t bytes_in = 0;   // user -> device
  int64_t bytes_out = 0;  // device -> user
};

// Pumps bytes between a shell and a terminal until one side ends, a limit is reached or Stop().
// Run() blocks the calling thread; Stop() is thread-safe and may be called before or during Run.
class Bridge {
 public:
  Bridge(SshShell& shell, Terminal& terminal, BridgeLimits limits);
  BridgeResult Run();
  void Stop();

 private:
  SshShell& shell_;
  Terminal& terminal_;
  const BridgeLimits limits_;
  std::atomic<bool> stop_{false};
};

}  // namespace fleet::bff::ssh
