#include "libs/log/process.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace fleet::log {
namespace {

// Takes a then b, later b then a: a lock-order inversion (not an actual deadlock), which
// Abseil's deadlock detection reports when it is on.
void InvertLockOrder() {
  absl::Mutex a, b;
  {
    absl::MutexLock la(&a);
    absl::MutexLock lb(&b);
  }
  {
    absl::MutexLock lb(&b);
    absl::MutexLock la(&a);
  }
}

TEST(InitProcessDeathTest, WithoutItAnInversionAborts) {
  // The library default on this platform: why InitProcess exists (and proof this test can fail).
  EXPECT_DEATH(InvertLockOrder(), "deadlock");
}

TEST(InitProcessTest, TurnsDeadlockDetectionOff) {
  InitProcess("process-test");
  InvertLockOrder();  // Would abort with detection on.
  SUCCEED();
}

}  // namespace
}  // namespace fleet::log
