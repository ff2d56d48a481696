#pragma once

#include <atomic>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/tunnel/domain/broker.h"

namespace fleet::tunnel {

// Metrics of the TTL sweeper, declared together.
struct SweeperMetrics {
  explicit SweeperMetrics(prometheus::Registry& registry);
  prometheus::Counter& expired;  // sessions whose TTL ran out
  prometheus::Counter& failed;   // start deadline passed without answer
  prometheus::Counter& closed;   // stop deadline passed while CLOSING
  prometheus::Counter& errors;   // failed sweep passes (retried)
};

// Gauges of the pool: tunnel_sessions_open, tunnel_pool_ports_free{server},
// tunnel_pool_ports_total{server}.
class PoolMetrics {
 public:
  explicit PoolMetrics(prometheus::Registry& registry) : registry_(registry) {}
  void Set(const TunnelBroker::PoolStats& stats);

 private:
  prometheus::Registry& registry_;
  prometheus::Gauge* open_ = nullptr;
  prometheus::Family<prometheus::Gauge>* free_ = nullptr;
  prometheus::Family<prometheus::Gauge>* total_ = nullptr;
};

// Refreshes PoolMetrics from TunnelBroker::Stats() every `interval` until `stop` (errors are
// logged, at most every 10 s, and retried).
void RunPoolGauges(TunnelBroker& broker, absl::Duration interval, PoolMetrics& m, const std::atomic<bool>& stop);

// Sweeps until `stop`: a full batch is followed at once by the next one, otherwise it waits
// `interval`. Every replica runs one; the store's row locks keep them from ending a session
// twice, and because state lives in PostgreSQL a restarted replica simply carries on. Errors
// are logged (at most every 10 s) and counted, then retried.
void RunSweeper(TunnelBroker& broker, absl::Duration interval, int batch, SweeperMetrics& m,
                const std::atomic<bool>& stop);

}  // namespace fleet::tunnel
