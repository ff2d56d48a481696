#pragma once

#include "absl/time/time.h"

namespace fleet {

// Time source of domain logic, so that tests can drive time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

class RealClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

}  // namespace fleet
