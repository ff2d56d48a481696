#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/task/domain/ports.h"

// Fakes of the non-store ports for unit tests. Thread-safe.
namespace fleet::task::testing {

// Records every request; fails with `fail` when set.
class FakeChannel : public DeviceChannel {
 public:
  absl::Status Send(const DeviceRequest& r) override {
    absl::MutexLock l(&mu_);
    if (!fail.ok()) return fail;
    sent.push_back(r);
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    absl::MutexLock l(&mu_);
    ++flushes_;
    return flush_fail_;
  }
  // Requests are recorded, but the flush fails (the process "dies" before the commit).
  void FailFlushWith(absl::Status st) {
    absl::MutexLock l(&mu_);
    flush_fail_ = std::move(st);
  }
  int flushes() {
    absl::MutexLock l(&mu_);
    return flushes_;
  }
  std::vector<DeviceRequest> Sent() {
    absl::MutexLock l(&mu_);
    return sent;
  }
  void Clear() {
    absl::MutexLock l(&mu_);
    sent.clear();
  }
  void FailWith(absl::Status st) {
    absl::MutexLock l(&mu_);
    fail = std::move(st);
  }

 private:
  absl::Mutex mu_;
  std::vector<DeviceRequest> sent ABSL_GUARDED_BY(mu_);
  absl::Status fail ABSL_GUARDED_BY(mu_);
  absl::Status flush_fail_ ABSL_GUARDED_BY(mu_);
  int flushes_ ABSL_GUARDED_BY(mu_) = 0;
};

// Every device is online unless listed in `offline`; firmware from `firmware`.
class FakePresence : public PresenceSource {
 public:
  absl::StatusOr<std::map<std::string, DevicePresence>> Lookup(
      const std::vector<std::string>& ids) override {
    absl::MutexLock l(&mu_);
    ++calls_;
    if (!fail_.ok()) return fail_;
    std::map<std::string, DevicePresence> out;
    for (const std::string& id : ids) {
      DevicePresence p;
      p.online = !offline_.count(id);
      auto f = firmware_.find(id);
      if (f != firmware_.end()) p.firmware_version = f->second;
      out[id] = p;
    }
    return out;
  }
  void SetOffline(const std::string& id, bool offline) {
    absl::MutexLock l(&mu_);
    if (offline) offline_.insert(id); else offline_.erase(id);
  }
  void SetFirmware(const std::string& id, const std::string& v) {
    absl::MutexLock l(&mu_);
    firmware_[id] = v;
  }
  void FailWith(absl::Status st) {
    absl::MutexLock l(&mu_);
    fail_ = std::move(st);
  }
  int calls() {
    absl::MutexLock l(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> offline_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> firmware_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// Explicit ids resolve to themselves with model `models[id]` (default "gw-200"); a label filter
// "labels.<k> = <v>" resolves to the devices added with that label.
class FakeDirectory : public DeviceDirectory {
 public:
  absl::StatusOr<std::vector<TargetDevice>> Resolve(const Targets& t) override {
    absl::MutexLock l(&mu_);
    std::vector<TargetDevice> out;
    if (!t.label_filter.empty()) {
      auto it = by_filter_.find(t.label_filter);
      if (it != by_filter_.end()) out = it->second;
      return out;
    }
    for (const std::string& id : t.device_ids) {
      auto m = models_.find(id);
      out.push_back({id, m == models_.end() ? "gw-200" : m->second});
    }
    return out;
  }
  void SetModel(const std::string& id, const std::string& model) {
    absl::MutexLock l(&mu_);
    models_[id] = model;
  }
  void AddToFilter(const std::string& filter, TargetDevice d) {
    absl::MutexLock l(&mu_);
    by_filter_[filter].push_back(std::move(d));
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> models_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<TargetDevice>> by_filter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::task::testing
