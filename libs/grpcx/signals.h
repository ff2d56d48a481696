#pragma once

namespace fleet::grpcx {

// Blocks SIGTERM and SIGINT in the calling thread and every thread created after it. Call first in
// main(), before any thread starts, so WaitForShutdownSignal() is the only receiver.
void InstallShutdownSignals();

// Blocks until SIGTERM or SIGINT arrives (sigwait) and returns the signal number.
int WaitForShutdownSignal();

}  // namespace fleet::grpcx
