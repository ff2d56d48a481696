#include "bff/ssh/test_sshd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace fleet::bff::ssh::testing {
namespace {

using fleet::testing::RunCommand;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Status KeyGen(const std::string& path) {
  std::string log;
  auto rc = RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleetd-test", "-f", path},
                       absl::Seconds(10), &log);
  if (!rc.ok()) return rc.status();
  if (*rc != 0) return absl::InternalError("ssh-keygen failed: " + log);
  return absl::OkStatus();
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

}  // namespace

TestSshd::~TestSshd() {
  process_.reset();
  if (!dir_.empty()) fleet::testing::RemoveTree(dir_);
}

absl::StatusOr<std::unique_ptr<TestSshd>> TestSshd::Start(int port) {
  std::unique_ptr<TestSshd> s(new TestSshd());
  auto dir = fleet::testing::MakeTempDir("sshd", /*under_tmp=*/true);
  if (!dir.ok()) return dir.status();
  s->dir_ = *dir;
  chmod(s->dir_.c_str(), 0755);
  if (geteuid() == 0) mkdir("/run/sshd", 0755);
  const passwd* pw = getpwuid(geteuid());
  if (pw == nullptr) return absl::InternalError("no passwd entry for the current user");
  s->user_ = pw->pw_name;
  const std::string host_key = s->dir_ + "/host_ed25519", client = s->dir_ + "/client", other = s->dir_ + "/other";
  for (const std::string& k : {host_key, client, other}) {
    if (absl::Status st = KeyGen(k); !st.ok()) return st;
  }
  auto pub = ReadFile(client + ".pub");
  auto priv = ReadFile(client);
  auto other_priv = ReadFile(other);
  if (!pub.ok() || !priv.ok() || !other_priv.ok()) return absl::InternalError("cannot read the generated keys");
  s->private_key_ = *priv;
  s->other_private_key_ = *other_priv;
  std::ofstream(s->dir_ + "/authorized_keys") << *pub;
  mkdir((s->dir_ + "/home").c_str(), 0755);
  chmod((s->dir_ + "/authorized_keys").c_str(), 0600);
  std::string log;
  auto rc = RunCommand({"ssh-keygen", "-l", "-E", "sha256", "-f", host_key + ".pub"}, absl::Seconds(10), &log);
  if (!rc.ok() || *rc != 0) return absl::InternalError("ssh-keygen -l failed: " + log);
  for (absl::string_view word : absl::StrSplit(log, ' ')) {
    if (absl::StartsWith(word, "SHA256:")) s->host_fingerprint_ = std::string(word);
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    s->port_ = port != 0 ? port : fleet::testing::FreePort();
    const std::string config = s->dir_ + "/sshd_config";
    std::ofstream(config) << "Port " << s->port_ << "\nListenAddress 127.0.0.1\nHostKey " << host_key
                          << "\nPidFile " << s->dir_ << "/sshd.pid\nAuthorizedKeysFile " << s->dir_
                          << "/authorized_keys\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
                          << "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin yes\n"
                          << "PrintMotd no\nPrintLastLog no\nUseDNS no\nLogLevel VERBOSE\n"
                          // The test user's own shell start-up files (slow or noisy ones included)
                          // stay out of the tests: the shell starts in an empty home.
                          << "SetEnv HOME=" << s->dir_ << "/home\n";
    auto p = fleet::testing::Process::Spawn({"/usr/sbin/sshd", "-D", "-e", "-f", config});
    if (!p.ok()) return p.status();
    s->process_ = std::move(*p);
    absl::Status up = fleet::testing::WaitFor(
        [&] { return Accepts(s->port_) || !s->process_->Running(); }, absl::Seconds(10));
    if (up.ok() && s->process_->Running()) return s;
    const std::string tail = s->process_->LogTail(2000);
    s->process_.reset();
    if (port != 0 || attempt == 2) return absl::UnavailableError("sshd did not start: " + tail);
  }
  return absl::UnavailableError("sshd did not start");
}

}  // namespace fleet::bff::ssh::testing
