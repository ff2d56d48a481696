#include "services/device-config/domain/memory_config_store.h"

#include "services/device-config/domain/config_errors.h"
#include "services/device-config/domain/errors.h"

namespace fleet::devcfg {

void MemoryConfigStore::FailWith(absl::Status status) {
  absl::MutexLock l(&mu_);
  fail_ = std::move(status);
}

absl::StatusOr<ConfigVersion> MemoryConfigStore::Append(const ConfigVersion& v,
                                                        std::optional<int64_t> expected_version, int keep) {
  if (devices_ != nullptr) {
    auto d = devices_->Get(v.device_id);
    if (!d.ok()) return d.status();
    if (!d->has_value()) return DeviceNotFound(v.device_id);
  }
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = entries_.find(v.device_id);
  const int64_t current = it == entries_.end() ? 0 : it->second.state.desired.version;
  if (expected_version && *expected_version != current) return ConfigVersionMismatch(v.device_id, current);
  if (it == entries_.end()) it = entries_.emplace(v.device_id, Entry{}).first;
  Entry& e = it->second;
  ConfigVersion stored = v;
  stored.version = current + 1;
  e.versions[stored.version] = stored;
  e.state.desired = stored;
  for (auto vi = e.versions.begin(); vi != e.versions.end();) {
    if (vi->first <= stored.version - keep && vi->first != e.state.reported_version) {
      vi = e.versions.erase(vi);
    } else {
      ++vi;
    }
  }
  return stored;
}

absl::StatusOr<std::optional<ConfigState>> MemoryConfigStore::GetState(std::string_view device_id) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = entries_.find(device_id);
  if (it == entries_.end()) return std::optional<ConfigState>();
  return std::optional<ConfigState>(it->second.state);
}

absl::StatusOr<std::vector<ConfigState>> MemoryConfigStore::GetStates(absl::Span<const std::string> device_ids) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<ConfigState> out;
  for (const std::string& id : device_ids) {
    auto it = entries_.find(id);
    if (it != entries_.end()) out.push_back(it->second.state);
  }
  return out;
}

absl::StatusOr<std::optional<ConfigVersion>> MemoryConfigStore::GetVersion(std::string_view device_id,
                                                                           int64_t version) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = entries_.find(device_id);
  if (it == entries_.end()) return std::optional<ConfigVersion>();
  auto vi = it->second.versions.find(version);
  if (vi == it->second.versions.end()) return std::optional<ConfigVersion>();
  return std::optional<ConfigVersion>(vi->second);
}

absl::StatusOr<ConfigStore::VersionPage> MemoryConfigStore::ListVersions(std::string_view device_id, int64_t before,
                                                                         int limit) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  VersionPage page;
  auto it = entries_.find(device_id);
  if (it == entries_.end()) return page;
  for (auto vi = it->second.versions.rbegin(); vi != it->second.versions.rend(); ++vi) {
    if (before > 0 && vi->first >= before) continue;
    if (static_cast<int>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(vi->second);
  }
  return page;
}

absl::StatusOr<ConfigState> MemoryConfigStore::Report(std::string_view device_id, int64_t version,
                                                      std::string_view status, std::string_view hash,
                                                      absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = entries_.find(device_id);
  if (it == entries_.end() || version > it->second.state.desired.version) {
    return ConfigVersionNotFound(device_id, version);
  }
  ConfigState& s = it->second.state;
  if (version >= s.reported_version) {
    s.reported_version = version;
    s.reported_status = std::string(status);
    s.reported_hash = std::string(hash);
    s.reported_time = now;
    if (version >= s.failed_version) {
      s.failed_version = 0;
      s.failed_reason.clear();
      s.failed_time = absl::InfinitePast();
    }
  }
  return s;
}

absl::StatusOr<ConfigState> MemoryConfigStore::ReportFailed(std::string_view device_id, int64_t version,
                                                            std::string_view reason, absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = entries_.find(device_id);
  if (it == entries_.end() || version > it->second.state.desired.version) {
    return ConfigVersionNotFound(device_id, version);
  }
  ConfigState& s = it->second.state;
  if (version > s.reported_version && version >= s.failed_version) {
    s.failed_version = version;
    s.failed_reason = std::string(reason);
    s.failed_time = now;
  }
  return s;
}

absl::StatusOr<ConfigTemplate> MemoryConfigStore::PutTemplate(const ConfigTemplate& t,
                                                              std::optional<int64_t> expected_revision,
                                                              absl::Time now) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = templates_.find(t.name);
  const int64_t current = it == templates_.end() ? 0 : it->second.revision;
  if (expected_revision && *expected_revision != current) return TemplateRevisionMismatch(t.name, current);
  ConfigTemplate stored = t;
  stored.revision = next_revision_++;
  stored.update_time = now;
  templates_[t.name] = stored;
  return stored;
}

absl::StatusOr<std::optional<ConfigTemplate>> MemoryConfigStore::GetTemplate(std::string_view name) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = templates_.find(name);
  if (it == templates_.end()) return std::optional<ConfigTemplate>();
  return std::optional<ConfigTemplate>(it->second);
}

absl::Status MemoryConfigStore::DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = templates_.find(name);
  if (it == templates_.end()) return TemplateNotFound(name);
  if (expected_revision && *expected_revision != it->second.revision) {
    return TemplateRevisionMismatch(name, it->second.revision);
  }
  templates_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ConfigTemplate>> MemoryConfigStore::ListTemplates() {
  absl::MutexLock l(&mu_);
  if (!fail_.ok()) return fail_;
  std::vector<ConfigTemplate> out;
  for (const auto& [name, t] : templates_) out.push_back(t);
  return out;
}

}  // namespace fleet::devcfg
