#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/device-config/domain/ports.h"

namespace fleet::devcfg {

// In-memory reference DeviceRepo: for unit tests and as the model the PostgreSQL repo is checked
// against (storage/device_repo_contract_test). Thread-safe.
class MemoryDeviceRepo : public DeviceRepo {
 public:
  absl::StatusOr<Device> Create(const Device& device, absl::Time now) override;
  absl::StatusOr<std::optional<Device>> Get(std::string_view id) override;
  absl::StatusOr<std::vector<Device>> BatchGet(absl::Span<const std::string> ids) override;
  absl::StatusOr<Device> Update(const Device& device, int64_t expected_revision, absl::Time now) override;
  absl::Status Delete(std::string_view id, std::optional<int64_t> expected_revision) override;
  absl::StatusOr<Page> List(const filter::Expr* filter, std::string_view after_id, int limit) override;
  absl::StatusOr<std::vector<size_t>> Import(absl::Span<const Device> devices, absl::Time now,
                                             bool dry_run) override;

  // Test hook: every call fails with `status` until healed with OK.
  void FailWith(absl::Status status);
  size_t size();

 private:
  absl::Mutex mu_;
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Device, std::less<>> devices_ ABSL_GUARDED_BY(mu_);
  int64_t next_revision_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace fleet::devcfg
