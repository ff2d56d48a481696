#include "services/device-online/background.h"

#include "libs/log/log.h"

namespace fleet::online {
namespace {

prometheus::Counter& Counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}
prometheus::Gauge& Gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

// Sleeps up to `d`, waking early on stop.
void Nap(absl::Duration d, const std::atomic<bool>& stop) {
  const absl::Time until = absl::Now() + d;
  while (!stop.load() && absl::Now() < until) {
    absl::SleepFor(std::min(absl::Milliseconds(50), until - absl::Now()));
  }
}

}  // namespace

BackgroundMetrics::BackgroundMetrics(prometheus::Registry& r)
    : swept_offline(Counter(r, "presence_swept_offline_total", "Devices marked offline by the sweeper")),
      sweep_errors(Counter(r, "presence_sweep_errors_total", "Failed sweeper passes")),
      sweep_lag_seconds(Gauge(r, "presence_sweep_lag_seconds",
                              "How far behind the wall clock the slowest uplink partition is (silence is judged there)")),
      relayed(Counter(r, "presence_transitions_relayed_total", "Transitions published to Kafka and PostgreSQL")),
      relay_errors(Counter(r, "presence_relay_errors_total", "Failed relay batches (retried)")),
      outbox_backlog(Gauge(r, "presence_outbox_backlog", "Transitions waiting in the outbox")),
      online_devices(Gauge(r, "presence_online_devices", "Devices currently online (fleet-wide, from Redis)")) {}

void RunOnlineGauge(PresenceQuery& query, absl::Duration interval, BackgroundMetrics& m,
                    const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::StatusOr<ListResponse> online = query.List({.filter = "online", .page_size = 1});
    if (online.ok()) {
      m.online_devices.Set(static_cast<double>(online->total));
    } else {
      log::WarnEvery("presence-online-gauge", absl::Seconds(10), "counting online devices failed; will retry",
                     {{"error", std::string(online.status().message())}});
    }
    Nap(interval, stop);
  }
}

void RunSweeper(Sweeper& sweeper, absl::Duration interval, BackgroundMetrics& m,
                const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::StatusOr<SweepResult> r = sweeper.RunOnce();
    if (!r.ok()) {
      m.sweep_errors.Increment();
      log::WarnEvery("sweeper", absl::Seconds(10), "sweep failed", {{"error", r.status().message()}});
    } else {
      m.swept_offline.Increment(r->went_offline);
      m.sweep_lag_seconds.Set(absl::ToDoubleSeconds(r->max_lag));
      if (!r->ran) {
        log::WarnEvery("sweeper-idle", absl::Minutes(1),
                       "sweeper idle: no uplink partition has reported a watermark yet");
      } else if (!r->lagging_partition.empty()) {
        log::WarnEvery("sweeper-lag", absl::Seconds(30),
                       "uplink consumption is lagging; silence is judged at the slowest partition",
                       {{"partition", r->lagging_partition},
                        {"lag_seconds", absl::ToDoubleSeconds(r->max_lag)}});
      }
    }
    Nap(interval, stop);
  }
}

void RunRelay(Relay& relay, RedisPresenceStore& store, absl::Duration idle_interval,
              BackgroundMetrics& m, const std::atomic<bool>& stop) {
  absl::Time next_backlog = absl::InfinitePast();
  while (!stop.load()) {
    absl::StatusOr<int> n = relay.RunOnce();
    if (!n.ok()) {
      m.relay_errors.Increment();
      log::WarnEvery("relay", absl::Seconds(10), "relaying transitions failed; will retry",
                     {{"error", n.status().message()}});
      Nap(absl::Seconds(1), stop);
      continue;
    }
    m.relayed.Increment(*n);
    if (absl::Now() >= next_backlog) {
      if (auto len = store.OutboxLength(); len.ok()) m.outbox_backlog.Set(static_cast<double>(*len));
      next_backlog = absl::Now() + absl::Seconds(5);
    }
    if (*n == 0) Nap(idle_interval, stop);
  }
}

}  // namespace fleet::online
