#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::http {

// A blocking WebSocket client for tests (Boost.Beast, plain ws://). Not thread-safe: one thread
// uses it. Beast types stay inside.
class WsClient {
 public:
  struct Message {
    bool binary = false;
    std::string data;
  };
  // What the handshake got: `client` when the server answered 101; otherwise the refusal
  // (status, lower-case headers, body).
  struct Connected {
    std::unique_ptr<WsClient> client;
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
  };

  // Connects to host:port and asks to upgrade `target` with extra request `headers`.
  // UNAVAILABLE when the TCP connection or the handshake fails, DEADLINE_EXCEEDED after `timeout`.
  static absl::StatusOr<Connected> Connect(const std::string& host, int port, const std::string& target,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           absl::Duration timeout = absl::Seconds(5));
  ~WsClient();

  absl::Status Send(const std::string& data, bool binary, absl::Duration timeout = absl::Seconds(5));
  // The next message: DEADLINE_EXCEEDED when none arrived within `timeout` (a later Read continues
  // waiting for it), UNAVAILABLE once the connection is closed (see close_code()).
  absl::StatusOr<Message> Read(absl::Duration timeout = absl::Seconds(5));
  // Sends a close frame and waits (up to `timeout`) for the server's.
  absl::Status Close(int code, absl::Duration timeout = absl::Seconds(5));
  // The close code the server sent (0 until then).
  int close_code() const { return close_code_; }
  std::string close_reason() const { return close_reason_; }

 private:
  struct Impl;
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int close_code_ = 0;
  std::string close_reason_;
};

}  // namespace fleet::http
