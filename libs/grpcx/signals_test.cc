#include "libs/grpcx/signals.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"

namespace fleet::grpcx {
namespace {

TEST(SignalsTest, WaitReturnsOnSigtermSentToProcess) {
  InstallShutdownSignals();
  // A thread created after InstallShutdownSignals inherits the mask, so the process-directed
  // signal stays pending until sigwait picks it up instead of killing the test.
  std::thread sender([] { ::kill(::getpid(), SIGTERM); });
  EXPECT_EQ(WaitForShutdownSignal(), SIGTERM);
  sender.join();
  ::kill(::getpid(), SIGINT);
  EXPECT_EQ(WaitForShutdownSignal(), SIGINT);
}

}  // namespace
}  // namespace fleet::grpcx
