#include "services/device-config/domain/memory_repo.h"

#include "services/device-config/domain/errors.h"

namespace fleet::devcfg {

absl::StatusOr<Device> MemoryDeviceRepo::Create(const Device& device, absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  if (devices_.contains(device.id)) return DeviceAlreadyExists(device.id);
  Device d = device;
  d.create_time = d.update_time = now;
  d.revision = next_revision_++;
  devices_[d.id] = d;
  return d;
}

absl::StatusOr<std::optional<Device>> MemoryDeviceRepo::Get(std::string_view id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = devices_.find(id);
  if (it == devices_.end()) return std::optional<Device>();
  return std::optional<Device>(it->second);
}

absl::StatusOr<std::vector<Device>> MemoryDeviceRepo::BatchGet(absl::Span<const std::string> ids) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<Device> out;
  for (const std::string& id : ids) {
    auto it = devices_.find(id);
    if (it != devices_.end()) out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<Device> MemoryDeviceRepo::Update(const Device& device, int64_t expected_revision,
                                                absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = devices_.find(device.id);
  if (it == devices_.end()) return DeviceNotFound(device.id);
  Device& d = it->second;
  if (d.revision != expected_revision) return EtagMismatch(device.id, d.revision);
  d.display_name = device.display_name;
  d.model = device.model;
  d.hardware_revision = device.hardware_revision;
  d.labels = device.labels;
  d.group = device.group;
  d.update_time = now;
  d.revision = next_revision_++;
  return d;
}

absl::Status MemoryDeviceRepo::Delete(std::string_view id, std::optional<int64_t> expected_revision) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = devices_.find(id);
  if (it == devices_.end()) return DeviceNotFound(id);
  if (expected_revision && it->second.revision != *expected_revision) {
    return EtagMismatch(id, it->second.revision);
  }
  devices_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<DeviceRepo::Page> MemoryDeviceRepo::List(const filter::Expr* filter, std::string_view after_id,
                                                        int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  Page page;
  for (auto it = devices_.upper_bound(after_id); it != devices_.end(); ++it) {
    if (filter != nullptr && !filter::Matches(*filter, it->second)) continue;
    if (static_cast<int>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

absl::StatusOr<std::vector<size_t>> MemoryDeviceRepo::Import(absl::Span<const Device> devices, absl::Time now,
                                                             bool dry_run) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<size_t> existing;
  for (size_t i = 0; i < devices.size(); ++i) {
    if (devices_.contains(devices[i].id)) existing.push_back(i);
  }
  if (!existing.empty() || dry_run) return existing;
  for (const Device& device : devices) {
    Device d = device;
    d.create_time = d.update_time = now;
    d.revision = next_revision_++;
    devices_[d.id] = std::move(d);
  }
  return existing;
}

void MemoryDeviceRepo::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

size_t MemoryDeviceRepo::size() {
  absl::MutexLock l(&mu_);
  return devices_.size();
}

}  // namespace fleet::devcfg
