#include "libs/redis/sigpipe.h"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace fleet::redis {
namespace {

sigset_t PipeSet() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  return s;
}

bool SigpipePending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

ScopedSigpipeBlock::ScopedSigpipeBlock() {
  sigset_t pipe_set = PipeSet();
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  was_pending_ = SigpipePending();
}

ScopedSigpipeBlock::~ScopedSigpipeBlock() {
  int saved = errno;
  if (!was_pending_ && SigpipePending()) {
    sigset_t pipe_set = PipeSet();
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  errno = saved;
}

}  // namespace fleet::redis
