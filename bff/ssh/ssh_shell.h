#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::bff::ssh {

// What the user typed into the page. Never stored, never logged.
struct Credentials {
  std::string username;
  std::string password;     // either a password,
  std::string private_key;  // or a private key in OpenSSH or PEM text form
  std::string passphrase;   // of the private key; empty = unencrypted
};

struct ShellOptions {
  std::string host;  // IP address or name of the SSH server (the tunnel's public address)
  int port = 22;
  absl::Duration connect_timeout = absl::Seconds(15);  // TCP connect + handshake + authentication
  int cols = 80;
  int rows = 24;
  std::string term = "xterm-256color";
};

// One interactive shell (PTY + shell) on an SSH server, over libssh.
//
// Host keys: the server's key is NOT checked against a known-hosts list, only recorded as a
// fingerprint ("SHA256:<base64>", as OpenSSH prints it) for the audit log and the page. Tunnels
// land on frp remote ports that change with every session and are shared over time by many
// devices, so a (host, port) -> key binding would be wrong, and the BFF has no per-device key
// registry yet. The caller shows the fingerprint to the user.
//
// Errors (absl::Status with a reason from fleet.bff.v1.SshErrorReason):
//   UNAVAILABLE / SSH_CONNECT_FAILED    server unreachable, timeout, SSH handshake failed
//   UNAUTHENTICATED / SSH_AUTH_FAILED   the server refused the credentials
//   INVALID_ARGUMENT / SSH_KEY_INVALID  the key text cannot be read (format or passphrase)
//   INVALID_ARGUMENT / INVALID_FIELD    empty user name, neither/both password and key
//   UNAVAILABLE / SSH_CHANNEL_FAILED    no session channel, PTY or shell
//   UNAVAILABLE / SSH_CONNECTION_LOST   the connection broke while in use
//   OUT_OF_RANGE / SSH_REMOTE_CLOSED    (Read) the shell ended
//
// Thread-safety: Wake() may be called from any thread; everything else from one thread at a
// time. The destructor closes the channel and the connection.
class SshShell {
 public:
  static absl::StatusOr<std::unique_ptr<SshShell>> Open(const ShellOptions& options, const Credentials& credentials);
  ~SshShell();
  SshShell(const SshShell&) = delete;
  SshShell& operator=(const SshShell&) = delete;

  // The server's host key fingerprint, "SHA256:...".
  const std::string& fingerprint() const { return fingerprint_; }

  // Terminal output that is available now, or that arrives within `timeout`; empty when none came
  // or Wake() was called. OUT_OF_RANGE / SSH_REMOTE_CLOSED once the shell ended and everything
  // was read.
  absl::StatusOr<std::string> Read(absl::Duration timeout);
  // Sends keystrokes (blocks while the server's window is full).
  absl::Status Write(std::string_view bytes);
  absl::Status Resize(int cols, int rows);
  // Makes a Read that waits (or the next one) return at once. Thread-safe, never blocks.
  void Wake();

 private:
  struct Handles;
  explicit SshShell(std::unique_ptr<Handles> h);
  std::unique_ptr<Handles> h_;
  std::string fingerprint_;
};

}  // namespace fleet::bff::ssh
