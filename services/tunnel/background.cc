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
