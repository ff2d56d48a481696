#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libs/clock/clock.h"
#include "services/device-config/domain/config_service.h"
#include "services/device-config/domain/push_queue.h"
#include "services/device-config/edge/presence_check.h"

namespace fleet::devcfg {

// Sends one encoded request to a device's downlink (topic chosen by the implementation).
// Must be thread-safe; errors mean "not sent".
using DownlinkSend = std::function<absl::Status(const std::string& device_id, const std::string& payload)>;

struct PusherOptions {
  PushPacing pacing;
  std::string sender = "device-config";
  absl::Duration tick = absl::Milliseconds(20);  // how often Run() drains the queue
};

// Pushes new desired versions to devices as config.apply requests, paced and superseded by
// PushQueue. Every push carries the device's CURRENT desired version, effective config and hash
// (read when it is sent), so a push never carries an older version than one already stored.
// Only OnNewDesiredVersion / OnTemplateChanged enqueue: nothing is pushed at start. Thread-safe; Run() on one thread.
class ConfigPusher : public DesiredVersionListener {
 public:
  ConfigPusher(ConfigService& service, DownlinkSend send, Clock& clock, PusherOptions options)
      : service_(service), send_(std::move(send)), clock_(clock), options_(options), queue_(options.pacing) {}

  // Optional (not owned; set before Run): devices it reports as not online are not sent their
  // push; it is parked until their fleet.presence online transition (OnDeviceOnline), so a device
  // that was away receives only its newest version. Unset or failing = push to everyone.
  void SetPresenceCheck(PresenceCheck* check) { presence_ = check; }

  void OnNewDesiredVersion(const std::string& device_id, int64_t version) override;
  // Remembered; the next Tick pushes the current version again to every device the template
  // applies to (effective config and hash may have changed).
  void OnTemplateChanged(const std::string& name) override;
  // The device answered `version` (applied or not): frees its in-flight slot.
  void OnAnswered(std::string_view device_id, int64_t version);
  // The device came online (a fleet.presence transition): queues its desired version again when
  // it is not in sync (ConfigService::VersionToPushOnReconnect). Reads the store, so call it
  // from a consumer thread. Returns the store's errors (retry) and whether a push was queued.
  absl::StatusOr<bool> OnDeviceOnline(const std::string& device_id);

  // Sends what pacing allows now; returns how many requests were sent.
  int Tick();
  // Ticks until `stop`.
  void Run(const std::atomic<bool>& stop);

  int64_t sent() const { return sent_.load(); }
  int64_t reconnect_pushes() const { return reconnect_pushes_.load(); }
  int64_t parked_offline() const { return parked_offline_.load(); }
  int64_t send_errors() const { return send_errors_.load(); }
  size_t pending() const;
  size_t in_flight() const;

 private:
  ConfigService& service_;
  const DownlinkSend send_;
  Clock& clock_;
  const PusherOptions options_;
  mutable absl::Mutex mu_;
  PushQueue queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> changed_templates_ ABSL_GUARDED_BY(mu_);
  PresenceCheck* presence_ = nullptr;
  std::atomic<int64_t> sent_{0}, send_errors_{0}, reconnect_pushes_{0}, parked_offline_{0};
};

}  // namespace fleet::devcfg
