#include "services/device-config/edge/push_metrics.h"

namespace fleet::devcfg {
namespace {

prometheus::Counter& Counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}
prometheus::Gauge& Gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
prometheus::Counter& PresenceEvents(prometheus::Registry& r, const char* result) {
  return prometheus::BuildCounter()
      .Name("config_presence_events_total")
      .Help("fleet.presence records read by device-config, by result")
      .Register(r)
      .Add({{"result", result}});
}

}  // namespace

PushMetrics::PushMetrics(prometheus::Registry& r)
    : sent_(Counter(r, "config_push_sent_total", "config.apply requests sent to devices")),
      send_errors_(Counter(r, "config_push_send_errors_total", "config.apply requests that could not be sent (retried)")),
      reconnect_(Counter(r, "config_push_reconnect_total",
                         "pushes queued because a device came back online with its config not in sync")),
      pending_(Gauge(r, "config_push_pending", "pushes waiting for pacing or for the device's previous push")),
      in_flight_(Gauge(r, "config_push_in_flight", "pushes sent and not answered yet")),
      presence_handled_(PresenceEvents(r, "handled")),
      presence_stale_(PresenceEvents(r, "stale")),
      presence_malformed_(PresenceEvents(r, "malformed")) {}

void PushMetrics::Advance(prometheus::Counter& c, int64_t now, int64_t& last) {
  if (now > last) c.Increment(static_cast<double>(now - last));
  last = now;
}

void PushMetrics::Refresh(const ConfigPusher& pusher, const presence::PresenceConsumer* presence) {
  Advance(sent_, pusher.sent(), last_sent_);
  Advance(send_errors_, pusher.send_errors(), last_errors_);
  Advance(reconnect_, pusher.reconnect_pushes(), last_reconnect_);
  pending_.Set(static_cast<double>(pusher.pending()));
  in_flight_.Set(static_cast<double>(pusher.in_flight()));
  if (presence != nullptr) {
    Advance(presence_handled_, presence->handled(), last_handled_);
    Advance(presence_stale_, presence->skipped_stale(), last_stale_);
    Advance(presence_malformed_, presence->malformed(), last_malformed_);
  }
}

}  // namespace fleet::devcfg
