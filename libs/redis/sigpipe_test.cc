#include "libs/redis/sigpipe.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace fleet::redis {
namespace {

bool Pending() {
  sigset_t s;
  sigpending(&s);
  return sigismember(&s, SIGPIPE) == 1;
}

TEST(ScopedSigpipeBlockTest, WriteToClosedPeerDoesNotKillTheProcess) {
  struct sigaction dfl = {}, old = {};
  dfl.sa_handler = SIG_DFL;  // A SIGPIPE that got through would kill this test.
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &old), 0);
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  close(fds[1]);
  {
    ScopedSigpipeBlock block;
    errno = 0;
    EXPECT_EQ(write(fds[0], "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    EXPECT_TRUE(Pending());
  }
  EXPECT_FALSE(Pending());
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_FALSE(sigismember(&mask, SIGPIPE)) << "mask not restored";
  close(fds[0]);
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(ScopedSigpipeBlockTest, LeavesAnEarlierPendingSigpipeAlone) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  raise(SIGPIPE);
  ASSERT_TRUE(Pending());
  { ScopedSigpipeBlock block; }
  EXPECT_TRUE(Pending());
  timespec zero{0, 0};
  sigtimedwait(&pipe_set, nullptr, &zero);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace
}  // namespace fleet::redis
