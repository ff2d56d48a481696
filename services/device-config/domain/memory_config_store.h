#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/device-config/domain/config_ports.h"
#include "services/device-config/domain/ports.h"

namespace fleet::devcfg {

// In-memory reference ConfigStore: for unit tests and as the model the PostgreSQL store is
// checked against (storage/config_store_contract_test). Thread-safe. With `devices`, Append
// fails with DeviceNotFound for devices that repo does not hold (as PostgreSQL's foreign key).
class MemoryConfigStore : public ConfigStore {
 public:
  explicit MemoryConfigStore(DeviceRepo* devices = nullptr) : devices_(devices) {}

  absl::StatusOr<ConfigVersion> Append(const ConfigVersion& v, std::optional<int64_t> expected_version,
                                       int keep) override;
  absl::StatusOr<std::optional<ConfigState>> GetState(std::string_view device_id) override;
  absl::StatusOr<std::vector<ConfigState>> GetStates(absl::Span<const std::string> device_ids) override;
  absl::StatusOr<std::optional<ConfigVersion>> GetVersion(std::string_view device_id, int64_t version) override;
  absl::StatusOr<VersionPage> ListVersions(std::string_view device_id, int64_t before, int limit) override;
  absl::StatusOr<ConfigState> Report(std::string_view device_id, int64_t version, std::string_view status,
                                     std::string_view hash, absl::Time now) override;
  absl::StatusOr<ConfigState> ReportFailed(std::string_view device_id, int64_t version, std::string_view reason,
                                           absl::Time now) override;
  absl::StatusOr<ConfigTemplate> PutTemplate(const ConfigTemplate& t, std::optional<int64_t> expected_revision,
                                             absl::Time now) override;
  absl::StatusOr<std::optional<ConfigTemplate>> GetTemplate(std::string_view name) override;
  absl::Status DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) override;
  absl::StatusOr<std::vector<ConfigTemplate>> ListTemplates() override;

  // Test hook: every call fails with `status` until healed with OK.
  void FailWith(absl::Status status);

 private:
  struct Entry {
    ConfigState state;
    std::map<int64_t, ConfigVersion> versions;
  };

  DeviceRepo* const devices_;
  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ConfigTemplate, std::less<>> templates_ ABSL_GUARDED_BY(mu_);
  int64_t next_revision_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace fleet::devcfg
