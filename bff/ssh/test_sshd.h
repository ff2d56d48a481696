#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/testing/process.h"

namespace fleet::bff::ssh::testing {

// A real OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <config>` on 127.0.0.1:<port>,
// running as the current user, with a fresh ed25519 host key and a fresh ed25519 client key
// pair whose public half is the only authorized key (UsePAM no, StrictModes no, passwords off).
// Sessions get HOME=<its dir>/home, so the user's own shell start-up files do not run.
// As root it creates /run/sshd (sshd's privilege separation directory) when missing.
// The destructor kills sshd and removes its directory. Not thread-safe.
class TestSshd {
 public:
  // port 0 = a free port. Returns once the port accepts connections (10 s at most).
  static absl::StatusOr<std::unique_ptr<TestSshd>> Start(int port = 0);
  ~TestSshd();

  int port() const { return port_; }
  std::string user() const { return user_; }
  // The authorized client key (OpenSSH private key text).
  const std::string& private_key() const { return private_key_; }
  // A valid key that is NOT authorized.
  const std::string& other_private_key() const { return other_private_key_; }
  // The host key's fingerprint as ssh-keygen -l prints it ("SHA256:...").
  const std::string& host_fingerprint() const { return host_fingerprint_; }
  std::string LogTail() const { return process_ ? process_->LogTail(4000) : ""; }

 private:
  TestSshd() = default;
  std::string dir_;
  int port_ = 0;
  std::string user_, private_key_, other_private_key_, host_fingerprint_;
  std::unique_ptr<fleet::testing::Process> process_;
};

}  // namespace fleet::bff::ssh::testing
