#include "libs/log/process.h"

#include <string>

#include "absl/synchronization/mutex.h"
#include "libs/log/log.h"

namespace fleet::log {

void InitProcess(std::string_view service) {
  SetService(std::string(service));
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace fleet::log
