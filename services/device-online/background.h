#pragma once

#include <atomic>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/device-online/domain/query.h"
#include "services/device-online/domain/relay.h"
#include "services/device-online/domain/sweeper.h"
#include "services/device-online/storage/redis_presence_store.h"

namespace fleet::online {

// Metrics of the sweeper and relay loops, declared together.
struct BackgroundMetrics {
  explicit BackgroundMetrics(prometheus::Registry& registry);
  prometheus::Counter& swept_offline;
  prometheus::Counter& sweep_errors;
  prometheus::Gauge& sweep_lag_seconds;  // how far behind the wall clock silence is judged
  prometheus::Counter& relayed;
  prometheus::Counter& relay_errors;
  prometheus::Gauge& outbox_backlog;
  prometheus::Gauge& online_devices;  // presence_online_devices, refreshed by RunOnlineGauge
};

// Sets m.online_devices to the number of online devices every `interval` until `stop`.
void RunOnlineGauge(PresenceQuery& query, absl::Duration interval, BackgroundMetrics& m,
                    const std::atomic<bool>& stop);

// Loops until `stop`; errors are logged (rate-limited) and counted, then retried.
void RunSweeper(Sweeper& sweeper, absl::Duration interval, BackgroundMetrics& m,
                const std::atomic<bool>& stop);
void RunRelay(Relay& relay, RedisPresenceStore& store, absl::Duration idle_interval,
              BackgroundMetrics& m, const std::atomic<bool>& stop);

}  // namespace fleet::online
