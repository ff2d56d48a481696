#include "libs/testing/process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace fleet::testing {
namespace {

// Resolves a program name against PATH like execvp would; done before fork because PATH lookup
// allocates and is not async-signal-safe.
std::string ResolveBinary(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path ? path : "/usr/local/bin:/usr/bin:/bin", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

std::string ReadTail(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(bytes) ? size - bytes : 0;
  in.seekg(start);
  std::string out(static_cast<size_t>(size - start), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

// Reads pid's parent and state from /proc/<pid>/stat; false when it is gone.
bool ReadStat(pid_t pid, pid_t* ppid, char* state) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t close = line.rfind(')');  // The command name may contain spaces and parentheses.
  if (close == std::string::npos || close + 4 > line.size()) return false;
  std::istringstream rest(line.substr(close + 2));
  rest >> *state >> *ppid;
  return static_cast<bool>(rest);
}

// All descendants of `root` (children, grandchildren, ...), found by walking /proc. Catches
// processes that left the group with setsid(), as PostgreSQL's backends do.
std::vector<pid_t> Descendants(pid_t root) {
  std::map<pid_t, std::vector<pid_t>> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    pid_t ppid = 0;
    char state = 0;
    if (ReadStat(pid, &ppid, &state)) children[ppid].push_back(pid);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo = {root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children[p]) {
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

// True once pid no longer exists or is a zombie (it holds no resources any more).
bool Gone(pid_t pid) {
  pid_t ppid = 0;
  char state = 0;
  return !ReadStat(pid, &ppid, &state) || state == 'Z' || state == 'X';
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = -1;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

absl::Status WaitFor(std::function<bool()> cond, absl::Duration timeout, absl::Duration poll) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (cond()) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("condition not met within ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(poll);
  }
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix, bool under_tmp) {
  std::string base = "/tmp";
  if (!under_tmp) {
    if (const char* t = getenv("TEST_TMPDIR"); t && *t) {
      base = t;
    } else if (const char* t2 = getenv("TMPDIR"); t2 && *t2) {
      base = t2;
    }
  }
  std::string templ = absl::StrCat(base, "/", prefix, "XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", templ, ": ", strerror(errno)));
  }
  return templ;
}

void RemoveTree(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

absl::StatusOr<std::unique_ptr<Process>> Process::Spawn(std::vector<std::string> argv,
                                                        std::map<std::string, std::string> env,
                                                        std::string cwd) {
  if (argv.empty()) return absl::InvalidArgumentError("Process::Spawn: empty argv");
  std::unique_ptr<Process> p(new Process());
  auto dir = MakeTempDir("proc-");
  if (!dir.ok()) return dir.status();
  p->dir_ = *dir;
  p->stdout_path_ = p->dir_ + "/stdout.log";
  p->stderr_path_ = p->dir_ + "/stderr.log";

  // Everything the child needs is prepared here; between fork and exec only
  // async-signal-safe calls are made.
  std::string binary = ResolveBinary(argv[0]);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::map<std::string, std::string> merged;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : merged) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> cenv;
  for (auto& s : env_strings) cenv.push_back(s.data());
  cenv.push_back(nullptr);

  int out_fd = open(p->stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = open(p->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_pipe[2];
  if (out_fd < 0 || err_fd < 0 || null_fd < 0 || pipe2(exec_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("Process::Spawn setup: ", strerror(errno)));
  }
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    // Dies with the thread that spawned it, so a crashed test leaves no servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      int err = errno;
      (void)!write(exec_pipe[1], &err, sizeof(err));
      _exit(127);
    }
    execve(binary.c_str(), cargv.data(), cenv.data());
    int err = errno;
    (void)!write(exec_pipe[1], &err, sizeof(err));
    _exit(127);
  }
  int fork_errno = errno;
  close(out_fd);
  close(err_fd);
  close(null_fd);
  close(exec_pipe[1]);
  if (pid < 0) {
    close(exec_pipe[0]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(fork_errno)));
  }
  setpgid(pid, pid);  // Also set here so the group exists before we might signal it.
  p->pid_ = pid;
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(exec_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (n > 0) {
    p->Reap(/*block=*/true);
    return absl::InternalError(
        absl::StrCat("exec ", binary, ": ", strerror(child_errno)));
  }
  return p;
}

Process::~Process() {
  Kill();
  RemoveTree(dir_);
}

void Process::Reap(bool block) {
  if (pid_ <= 0 || exit_code_.has_value()) return;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_code_ = DecodeWaitStatus(status);
  } else if (r < 0 && errno == ECHILD) {
    exit_code_ = -1;  // Reaped elsewhere; treat as gone.
  }
}

bool Process::Running() {
  Reap(/*block=*/false);
  return pid_ > 0 && !exit_code_.has_value();
}

void Process::Kill() {
  if (pid_ <= 0 || group_killed_) return;
  // The group may outlive its leader (e.g. postgres backends), so signal the group, once:
  // after that its id may be reused.
  std::vector<pid_t> descendants;
  if (!exit_code_.has_value()) {
    kill(pid_, SIGSTOP);  // Freeze the tree so it cannot fork while we collect it.
    descendants = Descendants(pid_);
  }
  kill(-pid_, SIGKILL);
  group_killed_ = true;
  for (pid_t d : descendants) kill(d, SIGKILL);
  if (!exit_code_.has_value()) {
    kill(pid_, SIGKILL);
    Reap(/*block=*/true);
  }
  // Wait (bounded) until the orphans are gone too, e.g. so a restarted server can bind.
  (void)WaitFor(
      [&] {
        for (pid_t d : descendants) {
          if (!Gone(d)) return false;
        }
        return true;
      },
      absl::Seconds(5), absl::Milliseconds(5));
}

absl::StatusOr<int> Process::Wait(absl::Duration timeout) {
  absl::Status s = WaitFor([this] { return !Running(); }, timeout, absl::Milliseconds(10));
  if (!s.ok()) {
    return absl::DeadlineExceededError(
        absl::StrCat("pid ", pid_, " still running after ", absl::FormatDuration(timeout)));
  }
  return *exit_code_;
}

absl::Status Process::Terminate(absl::Duration grace) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no process");
  if (Running()) kill(pid_, SIGTERM);
  bool exited = WaitFor([this] { return !Running(); }, grace, absl::Milliseconds(10)).ok();
  Kill();
  if (!exited) {
    return absl::DeadlineExceededError(absl::StrCat(
        "pid ", pid_, " did not exit within ", absl::FormatDuration(grace), "; killed"));
  }
  if (*exit_code_ != 0) {
    return absl::InternalError(absl::StrCat("pid ", pid_, " exited with code ", *exit_code_));
  }
  return absl::OkStatus();
}

std::string Process::LogTail(size_t bytes) const {
  return absl::StrCat("--- stdout (tail) ---\n", ReadTail(stdout_path_, bytes),
                      "\n--- stderr (tail) ---\n", ReadTail(stderr_path_, bytes));
}

absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                               std::string* log, const std::string& cwd) {
  auto p = Process::Spawn(argv, {}, cwd);
  if (!p.ok()) return p.status();
  auto code = (*p)->Wait(timeout);
  if (log != nullptr) {
    absl::StrAppend(log, "$ ", absl::StrJoin(argv, " "), "\n", (*p)->LogTail(4096), "\n");
  }
  return code;
}

}  // namespace fleet::testing
