#include "services/tunnel/background.h"

#include <algorithm>

#include "libs/log/log.h"

namespace fleet::tunnel {
namespace {

prometheus::Counter& Swept(prometheus::Registry& r, const char* state) {
  return prometheus::BuildCounter()
      .Name("tunnel_swept_total")
      .Help("Sessions ended by the sweeper, by the state they ended in")
      .Register(r)
      .Add({{"state", state}});
}

// Sleeps up to `d`, waking early on stop.
void Nap(absl::Duration d, const std::atomic<bool>& stop) {
  const absl::Time until = absl::Now() + d;
  while (!stop.load() && absl::Now() < until) {
    absl::SleepFor(std::min(absl::Milliseconds(50), until - absl::Now()));
  }
}

}  // namespace

SweeperMetrics::SweeperMetrics(prometheus::Registry& r)
    : expired(Swept(r, "EXPIRED")),
      failed(Swept(r, "FAILED")),
      closed(Swept(r, "CLOSED")),
      errors(prometheus::BuildCounter()
                 .Name("tunnel_sweep_errors_total")
                 .Help("Failed sweeper passes (retried)")
                 .Register(r)
                 .Add({})) {}

void PoolMetrics::Set(const TunnelBroker::PoolStats& stats) {
  if (open_ == nullptr) {
    open_ = &prometheus::BuildGauge()
                 .Name("tunnel_sessions_open")
                 .Help("Live tunnel sessions (REQUESTED, OPEN or CLOSING)")
                 .Register(registry_)
                 .Add({});
    free_ = &prometheus::BuildGauge()
                 .Name("tunnel_pool_ports_free")
                 .Help("Ports of each frp server that can be leased now (not leased, out of quarantine)")
                 .Register(registry_);
    total_ = &prometheus::BuildGauge()
                  .Name("tunnel_pool_ports_total")
                  .Help("Ports in each frp server's range")
                  .Register(registry_);
  }
  open_->Set(static_cast<double>(stats.live_sessions));
  for (const auto& [server, n] : stats.free_ports) free_->Add({{"server", server}}).Set(static_cast<double>(n));
  for (const auto& [server, n] : stats.total_ports) total_->Add({{"server", server}}).Set(static_cast<double>(n));
}

void RunPoolGauges(TunnelBroker& broker, absl::Duration interval, PoolMetrics& m, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::StatusOr<TunnelBroker::PoolStats> stats = broker.Stats();
    if (stats.ok()) {
      m.Set(*stats);
    } else {
      log::WarnEvery("tunnel-pool-gauges", absl::Seconds(10), "reading pool statistics failed; will retry",
                     {{"error", stats.status().message()}});
    }
    Nap(interval, stop);
  }
}

void RunSweeper(TunnelBroker& broker, absl::Duration interval, int batch, SweeperMetrics& m,
                const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::StatusOr<std::vector<Session>> swept = broker.SweepExpired(batch);
    if (!swept.ok()) {
      m.errors.Increment();
      log::WarnEvery("tunnel-sweeper", absl::Seconds(10), "sweeping sessions failed; will retry",
                     {{"error", swept.status().message()}});
      Nap(interval, stop);
      continue;
    }
    for (const Session& s : *swept) {
      if (s.state == SessionState::kExpired) m.expired.Increment();
      if (s.state == SessionState::kFailed) m.failed.Increment();
      if (s.state == SessionState::kClosed) m.closed.Increment();
    }
    if (static_cast<int>(swept->size()) < batch) Nap(interval, stop);
  }
}

}  // namespace fleet::tunnel
