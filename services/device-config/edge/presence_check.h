#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::devcfg {

// Which of `device_ids` are known NOT to be online right now (offline, or never seen by
// device-online). Errors (device-online unreachable) mean "unknown": the caller pushes anyway.
class PresenceCheck {
 public:
  virtual ~PresenceCheck() = default;
  virtual absl::StatusOr<absl::flat_hash_set<std::string>> NotOnline(const std::vector<std::string>& device_ids) = 0;
};

// Asks device-online's BatchGetPresence (1,000 ids per call, `timeout` per call) at `target`.
// Thread-safe.
std::unique_ptr<PresenceCheck> NewGrpcPresenceCheck(const std::string& target, absl::Duration timeout);

}  // namespace fleet::devcfg
