#pragma once

#include <cstdint>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "libs/presence/events.h"
#include "services/device-config/edge/config_pusher.h"

namespace fleet::devcfg {

// Prometheus view of configuration pushes:
//   config_push_sent_total, config_push_send_errors_total, config_push_reconnect_total (pushes
//   queued because a device came back online out of sync), config_push_pending,
//   config_push_in_flight, config_presence_events_total{result=handled|stale|malformed}.
// Refresh() copies the components' counters; call it periodically from one thread.
class PushMetrics {
 public:
  explicit PushMetrics(prometheus::Registry& registry);
  void Refresh(const ConfigPusher& pusher, const presence::PresenceConsumer* presence);

 private:
  static void Advance(prometheus::Counter& c, int64_t now, int64_t& last);
  prometheus::Counter& sent_;
  prometheus::Counter& send_errors_;
  prometheus::Counter& reconnect_;
  prometheus::Gauge& pending_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& presence_handled_;
  prometheus::Counter& presence_stale_;
  prometheus::Counter& presence_malformed_;
  int64_t last_sent_ = 0, last_errors_ = 0, last_reconnect_ = 0, last_handled_ = 0, last_stale_ = 0,
          last_malformed_ = 0;
};

}  // namespace fleet::devcfg
