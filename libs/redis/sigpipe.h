#pragma once

#include <signal.h>

namespace fleet::redis {

// hiredis writes with write(2), which raises SIGPIPE on a connection the peer has closed. Like
// libpq, block SIGPIPE on the current thread for the scope of a Redis call and swallow a SIGPIPE
// raised meanwhile, leaving the process's own SIGPIPE disposition alone. A SIGPIPE that was
// already pending before the scope is left pending. Use as a local on the thread doing the I/O.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

}  // namespace fleet::redis
