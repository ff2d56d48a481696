#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/sim/dispatcher.h"
#include "libs/kafka/envelope.h"

namespace fleet::sim {

struct TunnelAgentOptions {
  double fail_rate = 0;                        // share of tunnel.start answered "Failed"
  absl::Duration latency = absl::ZeroDuration();  // delay of every tunnel.* answer
  uint64_t seed = 1;
};

// The frpc a simulated device runs after a tunnel.start.
struct Frpc {
  std::string session_id;
  std::string server_addr;
  int server_port = 0;
  std::vector<std::pair<std::string, int>> proxies;  // name, remote port
  absl::Time started_at;
  absl::Time stop_at;  // auto_stop_service_in after start
};

// The device watchdog's tunnel behaviour for the whole simulated fleet:
//  tunnel.start {"session_id", "server_addr", "server_port", "token", "session_token",
//                "proxies": [{"name", "local_ip", "local_port", "remote_port"}],
//                "auto_stop_service_in": seconds}
//    -> frpc "running" with its proxies (replacing a previous one); 400 for a malformed body;
//       fails with 500 at `fail_rate` (then nothing runs).
//  tunnel.stop {"session_id", "reason"} -> frpc stopped (always 200; idempotent; a stop for
//       another session than the running one leaves it running).
// frpc stops by itself at stop_at (see Expire). Thread-safe.
class TunnelAgent {
 public:
  explicit TunnelAgent(TunnelAgentOptions options) : options_(options), rng_(options.seed) {}

  HandlerResult Start(const std::string& device_id, const kafka::Envelope& request, absl::Time now);
  HandlerResult Stop(const std::string& device_id, const kafka::Envelope& request, absl::Time now);
  // tunnel.extend {"session_id", "auto_stop_service_in"}: the running frpc of that session now
  // stops by itself auto_stop_service_in seconds from `now`. 404 when that session is not running.
  HandlerResult Extend(const std::string& device_id, const kafka::Envelope& request, absl::Time now);

  // Stops every frpc whose auto-stop time passed; returns how many.
  int Expire(absl::Time now);
  int Running() const;
  std::optional<Frpc> Get(const std::string& device_id) const;
  int64_t starts() const;
  int64_t stops() const;
  int64_t extends() const;

  // Registers tunnel.start and tunnel.stop with `dispatcher`.
  void RegisterWith(Dispatcher& dispatcher);

 private:
  const TunnelAgentOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Frpc> running_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t starts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t stops_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t extends_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fleet::sim
