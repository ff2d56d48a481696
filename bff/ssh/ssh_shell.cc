#include "bff/ssh/ssh_shell.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include <libssh/libssh.h>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::bff::ssh {

struct SshShell::Handles {
  ssh_session session = nullptr;
  ssh_channel channel = nullptr;
  int wake_fd = -1;

  ~Handles() {
    if (channel != nullptr) {
      if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
      ssh_channel_free(channel);
    }
    if (session != nullptr) {
      if (ssh_is_connected(session)) ssh_disconnect(session);
      ssh_free(session);
    }
    if (wake_fd >= 0) close(wake_fd);
  }
};

namespace {

absl::Status Err(absl::StatusCode code, const char* reason, std::string message, const ShellOptions& o) {
  return status::MakeError(code, reason, message, {{"host", o.host}, {"port", std::to_string(o.port)}});
}

std::string LibError(ssh_session s) { return ssh_get_error(s); }

// Wipes a copy of a secret before it is freed.
void Wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

absl::StatusOr<std::string> Fingerprint(ssh_session s, const ShellOptions& o) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(s, &key) != SSH_OK) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CONNECT_FAILED", "the server sent no host key", o);
  }
  unsigned char* hash = nullptr;
  size_t len = 0;
  const int rc = ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len);
  ssh_key_free(key);
  if (rc != SSH_OK) return Err(absl::StatusCode::kUnavailable, "SSH_CONNECT_FAILED", "cannot hash the host key", o);
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
  ssh_clean_pubkey_hash(&hash);
  if (text == nullptr) return Err(absl::StatusCode::kUnavailable, "SSH_CONNECT_FAILED", "cannot format the host key", o);
  std::string out(text);
  ssh_string_free_char(text);
  return out;
}

absl::Status Authenticate(ssh_session s, const Credentials& c, const ShellOptions& o) {
  int rc = SSH_AUTH_DENIED;
  if (!c.private_key.empty()) {
    std::string key_text = c.private_key;
    if (key_text.back() != '\n') key_text.push_back('\n');
    ssh_key key = nullptr;
    const int imported = ssh_pki_import_privkey_base64(
        key_text.c_str(), c.passphrase.empty() ? nullptr : c.passphrase.c_str(), nullptr, nullptr, &key);
    Wipe(key_text);
    if (imported != SSH_OK || key == nullptr) {
      return status::MakeError(absl::StatusCode::kInvalidArgument, "SSH_KEY_INVALID",
                               "the private key cannot be read (OpenSSH or PEM text; check the passphrase)");
    }
    rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
  } else {
    rc = ssh_userauth_password(s, nullptr, c.password.c_str());
  }
  if (rc == SSH_AUTH_SUCCESS) return absl::OkStatus();
  if (rc == SSH_AUTH_ERROR) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CONNECTION_LOST",
               absl::StrCat("authentication failed: ", LibError(s)), o);
  }
  return Err(absl::StatusCode::kUnauthenticated, "SSH_AUTH_FAILED",
             absl::StrCat("the SSH server refused ", c.private_key.empty() ? "the password" : "the key", " for ",
                          c.username),
             o);
}

absl::Status ValidateCredentials(const Credentials& c) {
  if (c.username.empty() || c.username.size() > 64) {
    return status::InvalidField("username", "username must be 1-64 characters");
  }
  for (char ch : c.username) {
    if (static_cast<unsigned char>(ch) < 0x21 || ch == 0x7f) {
      return status::InvalidField("username", "username must not contain spaces or control characters");
    }
  }
  if (c.password.empty() == c.private_key.empty()) {
    return status::InvalidField("password", "give either a password or a privateKey");
  }
  return absl::OkStatus();
}

}  // namespace

SshShell::SshShell(std::unique_ptr<Handles> h) : h_(std::move(h)) {}
SshShell::~SshShell() = default;

absl::StatusOr<std::unique_ptr<SshShell>> SshShell::Open(const ShellOptions& o, const Credentials& c) {
  static std::once_flag init;
  std::call_once(init, [] { ssh_init(); });
  if (absl::Status st = ValidateCredentials(c); !st.ok()) return st;
  if (o.host.empty() || o.port <= 0 || o.port > 65535) {
    return status::InvalidField("host", "the SSH target needs a host and a port 1-65535");
  }
  auto h = std::make_unique<Handles>();
  h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  h->session = ssh_new();
  if (h->session == nullptr || h->wake_fd < 0) return absl::InternalError("ssh: out of resources");
  ssh_session s = h->session;
  const long timeout_s = std::max<long>(1, absl::ToInt64Seconds(o.connect_timeout));
  const unsigned int port = static_cast<unsigned int>(o.port);
  const int no = 0;
  const char* nowhere = "/dev/null";
  // No ~/.ssh/config, no known_hosts files (see the class comment), no agent.
  if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_HOST, o.host.c_str()) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_PORT, &port) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_USER, c.username.c_str()) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout_s) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, nowhere) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, nowhere) != SSH_OK) {
    return Err(absl::StatusCode::kInvalidArgument, "SSH_CONNECT_FAILED", "bad SSH options: " + LibError(s), o);
  }
  if (ssh_connect(s) != SSH_OK) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CONNECT_FAILED",
               absl::StrCat("cannot connect to ", o.host, ":", o.port, ": ", LibError(s)), o);
  }
  auto fingerprint = Fingerprint(s, o);
  if (!fingerprint.ok()) return fingerprint.status();
  if (absl::Status st = Authenticate(s, c, o); !st.ok()) return st;
  h->channel = ssh_channel_new(s);
  if (h->channel == nullptr || ssh_channel_open_session(h->channel) != SSH_OK) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CHANNEL_FAILED", "no session channel: " + LibError(s), o);
  }
  if (ssh_channel_request_pty_size(h->channel, o.term.c_str(), std::clamp(o.cols, 1, 1000),
                                   std::clamp(o.rows, 1, 1000)) != SSH_OK) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CHANNEL_FAILED", "the server refused a terminal: " + LibError(s), o);
  }
  if (ssh_channel_request_shell(h->channel) != SSH_OK) {
    return Err(absl::StatusCode::kUnavailable, "SSH_CHANNEL_FAILED", "the server refused a shell: " + LibError(s), o);
  }
  std::unique_ptr<SshShell> shell(new SshShell(std::move(h)));
  shell->fingerprint_ = *std::move(fingerprint);
  return shell;
}

absl::StatusOr<std::string> SshShell::Read(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buf[16384];
  while (true) {
    // stderr first: reading a stream lets libssh take in every packet that has arrived, and a
    // packet for the other stream is then only buffered. Read last, stdout (all a pty produces)
    // cannot be left waiting in a buffer while poll() below sleeps on an empty socket.
    for (int is_stderr : {1, 0}) {
      const int n = ssh_channel_read_nonblocking(h_->channel, buf, sizeof(buf), is_stderr);
      if (n > 0) return std::string(buf, static_cast<size_t>(n));
      if (n == SSH_ERROR) {
        return status::MakeError(absl::StatusCode::kUnavailable, "SSH_CONNECTION_LOST",
                                 absl::StrCat("SSH connection lost: ", LibError(h_->session)));
      }
    }
    if (ssh_channel_is_eof(h_->channel) || ssh_channel_is_closed(h_->channel)) {
      return status::MakeError(absl::StatusCode::kOutOfRange, "SSH_REMOTE_CLOSED", "the remote shell ended");
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::string();
    pollfd fds[2] = {{ssh_get_fd(h_->session), POLLIN, 0}, {h_->wake_fd, POLLIN, 0}};
    // Capped, so that stderr data buffered by the stdout read above waits at most this long.
    const int ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 100));
    const int rc = poll(fds, 2, ms);
    if (rc < 0 && errno != EINTR) return absl::InternalError("ssh: poll failed");
    if (rc > 0 && (fds[1].revents & POLLIN)) {
      uint64_t drained;
      (void)!read(h_->wake_fd, &drained, sizeof(drained));
      return std::string();
    }
  }
}

absl::Status SshShell::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(bytes.size(), 32768));
    const int n = ssh_channel_write(h_->channel, bytes.data(), chunk);
    if (n == SSH_ERROR || n < 0) {
      return status::MakeError(absl::StatusCode::kUnavailable, "SSH_CONNECTION_LOST",
                               absl::StrCat("SSH write failed: ", LibError(h_->session)));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SshShell::Resize(int cols, int rows) {
  if (ssh_channel_change_pty_size(h_->channel, std::clamp(cols, 1, 1000), std::clamp(rows, 1, 1000)) != SSH_OK) {
    return status::MakeError(absl::StatusCode::kUnavailable, "SSH_CONNECTION_LOST",
                             absl::StrCat("SSH resize failed: ", LibError(h_->session)));
  }
  return absl::OkStatus();
}

void SshShell::Wake() {
  const uint64_t one = 1;
  (void)!write(h_->wake_fd, &one, sizeof(one));
}

}  // namespace fleet::bff::ssh
