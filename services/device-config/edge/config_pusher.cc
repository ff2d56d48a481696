#include "services/device-config/edge/config_pusher.h"

#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "services/device-config/edge/messages.h"

namespace fleet::devcfg {

void ConfigPusher::OnNewDesiredVersion(const std::string& device_id, int64_t version) {
  absl::MutexLock l(&mu_);
  queue_.Enqueue(device_id, version);
}

void ConfigPusher::OnTemplateChanged(const std::string& name) {
  absl::MutexLock l(&mu_);
  changed_templates_.push_back(name);
}

void ConfigPusher::OnAnswered(std::string_view device_id, int64_t version) {
  absl::MutexLock l(&mu_);
  queue_.Answered(device_id, version);
}

absl::StatusOr<bool> ConfigPusher::OnDeviceOnline(const std::string& device_id) {
  absl::StatusOr<int64_t> version = service_.VersionToPushOnReconnect(device_id);
  if (!version.ok()) return version.status();
  if (*version == 0) return false;
  bool queued = false;
  {
    absl::MutexLock l(&mu_);
    // refresh: the same version may have been sent before while the device was away.
    queued = queue_.Enqueue(device_id, *version, /*refresh=*/true);
  }
  if (queued) reconnect_pushes_.fetch_add(1);
  return queued;
}

size_t ConfigPusher::in_flight() const {
  absl::MutexLock l(&mu_);
  return queue_.in_flight();
}

size_t ConfigPusher::pending() const {
  absl::MutexLock l(&mu_);
  return queue_.pending();
}

int ConfigPusher::Tick() {
  std::vector<std::string> templates;
  {
    absl::MutexLock l(&mu_);
    templates.swap(changed_templates_);
  }
  for (const std::string& name : templates) {
    absl::Status st = service_.ForEachDeviceOfTemplate(name, [this](const std::string& device, int64_t version) {
      absl::MutexLock l(&mu_);
      queue_.Enqueue(device, version, /*refresh=*/true);
    });
    if (!st.ok()) {
      log::WarnEvery("config-push-template", absl::Seconds(10), "template change: cannot list its devices",
                     {{"template", name}, {"error", std::string(st.message())}});
      if (absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st)) {
        absl::MutexLock l(&mu_);
        changed_templates_.push_back(name);  // retried on the next tick
      }
    }
  }
  std::vector<PushItem> due;
  {
    absl::MutexLock l(&mu_);
    due = queue_.TakeDue(clock_.Now());
  }
  absl::flat_hash_set<std::string> not_online;
  if (presence_ != nullptr && !due.empty()) {
    std::vector<std::string> ids;
    ids.reserve(due.size());
    for (const PushItem& item : due) ids.push_back(item.device_id);
    absl::StatusOr<absl::flat_hash_set<std::string>> offline = presence_->NotOnline(ids);
    if (offline.ok()) {
      not_online = std::move(*offline);
    } else {
      log::WarnEvery("config-push-presence", absl::Seconds(10),
                     "config push: presence unknown (device-online unreachable), pushing anyway",
                     {{"error", std::string(offline.status().message())}});
    }
  }
  int sent = 0;
  for (const PushItem& item : due) {
    if (not_online.contains(item.device_id)) {
      // Parked: the device's online transition queues its then-current desired version.
      absl::MutexLock l(&mu_);
      queue_.Answered(item.device_id, item.version);
      parked_offline_.fetch_add(1);
      continue;
    }
    absl::StatusOr<DeviceConfigView> view = service_.Get(item.device_id);
    if (!view.ok() || view->state.desired.version < item.version) {
      absl::MutexLock l(&mu_);
      if (!view.ok() && (absl::IsUnavailable(view.status()) || absl::IsDeadlineExceeded(view.status()))) {
        queue_.SendFailed(item.device_id, item.version);  // retry later
      } else {
        queue_.Answered(item.device_id, item.version);  // device gone: nothing to push
      }
      if (!view.ok()) {
        log::WarnEvery("config-push-read", absl::Seconds(10), "config push: cannot read the device's config",
                       {{"device_id", item.device_id}, {"error", std::string(view.status().message())}});
      }
      continue;
    }
    const int64_t version = view->state.desired.version;
    const kafka::Envelope e =
        EncodeApply(item.device_id, version, view->effective_hash, view->effective, clock_.Now(), options_.sender);
    absl::Status st = send_(item.device_id, kafka::EncodeJson(e));
    absl::MutexLock l(&mu_);
    if (!st.ok()) {
      send_errors_.fetch_add(1);
      queue_.SendFailed(item.device_id, item.version);
      log::WarnEvery("config-push-send", absl::Seconds(10), "config push not sent, will retry",
                     {{"device_id", item.device_id}, {"error", std::string(st.message())}});
      continue;
    }
    queue_.Sent(item.device_id, version);
    sent_.fetch_add(1);
    ++sent;
  }
  return sent;
}

void ConfigPusher::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    Tick();
    absl::SleepFor(options_.tick);
  }
}

}  // namespace fleet::devcfg
