#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "edge/sim/dispatcher.h"
#include "edge/sim/tunnel_agent.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/producer.h"

namespace fleet::sim {

struct DownlinkOptions {
  std::string bootstrap;
  // "edge.{device_id}.down" (per-device topics, subscribed by regex) or a literal shared topic
  // (then only records keyed by a simulated device are handled).
  std::string topic_template = "edge.{device_id}.down";
  std::string group_id = "fleet-sim";
  // How soon newly created per-device topics are noticed by the regex subscription.
  int metadata_refresh_ms = 1000;
  // Consumer session timeout. Keep it short: every new per-device topic that appears while the
  // group is joining makes librdkafka rejoin as a new member, and the group waits for the
  // abandoned member until this timeout passes.
  absl::Duration session_timeout = absl::Seconds(6);
  // With per-device topics, this device's downlink topic is made to exist before subscribing:
  // librdkafka 2.0.2 never joins the group when a regex subscription matches no topic at
  // subscribe time (it stays in wait-metadata), but it does pick up new matching topics once
  // joined. Empty = do not.
  std::string anchor_device_id;
};

// Consumes the simulated devices' downlink requests, dispatches them and sends the responses
// (after each handler's delay) to their reply_to or uplink topic. Also auto-stops tunnels.
// Run() from one thread; counters may be read from any thread. Every new per-device topic makes
// the group rebalance (a few seconds on kafka-dev) before its first request is read.
// $FLEET_SIM_KAFKA_DEBUG, when set, becomes librdkafka's `debug` property (e.g. "cgrp,metadata").
class DownlinkLoop {
 public:
  // `is_simulated` says whether a device id belongs to this simulator. INVALID_ARGUMENT for bad
  // options.
  static absl::StatusOr<std::unique_ptr<DownlinkLoop>> Create(
      const DownlinkOptions& options, kafka::Producer& producer, Dispatcher& dispatcher,
      TunnelAgent& tunnels, std::function<bool(const std::string&)> is_simulated);

  // Optional, set before Run: a device for which `silent(id, now)` is true is offline, so its
  // requests wait (in order, at most kMaxHeldPerDevice, oldest dropped beyond) and are handled
  // when it comes back, as a real gateway reads its topic's backlog after reconnecting
  // (requests older than their max age are then dropped by the dispatcher).
  void SetSilenceCheck(std::function<bool(const std::string&, absl::Time)> silent) { silent_ = std::move(silent); }
  static constexpr size_t kMaxHeldPerDevice = 1000;

  // Loops until `stop`, then commits what was consumed.
  void Run(const std::atomic<bool>& stop);

  int64_t received() const { return received_.load(); }
  int64_t not_ours() const { return not_ours_.load(); }
  int64_t malformed() const { return malformed_.load(); }
  int64_t replies_sent() const { return replies_sent_.load(); }
  int64_t reply_errors() const { return reply_errors_.load(); }
  int64_t held() const { return held_count_.load(); }

 private:
  DownlinkLoop(DownlinkOptions options, std::unique_ptr<kafka::Consumer> consumer,
               kafka::Producer& producer, Dispatcher& dispatcher, TunnelAgent& tunnels,
               std::function<bool(const std::string&)> is_simulated);
  void Handle(const kafka::Message& m);
  void Process(const std::string& device, const kafka::Message& m);
  void ReleaseHeld(absl::Time now);
  void SendDue(absl::Time now, bool all);

  struct Later {
    bool operator()(const Outgoing& a, const Outgoing& b) const { return a.send_at > b.send_at; }
  };

  const DownlinkOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  kafka::Producer& producer_;
  Dispatcher& dispatcher_;
  TunnelAgent& tunnels_;
  std::function<bool(const std::string&)> is_simulated_;
  std::priority_queue<Outgoing, std::vector<Outgoing>, Later> pending_;
  std::function<bool(const std::string&, absl::Time)> silent_;
  std::map<std::string, std::deque<kafka::Message>> held_;  // silent device -> its requests, in order
  std::atomic<int64_t> held_count_{0};
  std::atomic<int64_t> received_{0}, not_ours_{0}, malformed_{0}, replies_sent_{0},
      reply_errors_{0};
};

}  // namespace fleet::sim
