#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::http {

// Standard close codes (RFC 6455 section 7.4.1) callers commonly use.
inline constexpr int kCloseNormal = 1000;
inline constexpr int kCloseGoingAway = 1001;
inline constexpr int kClosePolicyViolation = 1008;
inline constexpr int kCloseTooBig = 1009;
inline constexpr int kCloseInternalError = 1011;

// One accepted WebSocket connection (server side), handed to a WebSocketHandler after the
// handshake. Every method is thread-safe; typically one thread reads and any thread sends.
// Incoming messages are queued (the socket stops reading while more than 1 MiB waits, so a slow
// reader pushes back on the peer); outgoing messages are queued and written in order.
// Destroying it closes the connection (1000) if still open. After the Server is stopped every
// socket reads as closed and Send fails.
class WebSocket {
 public:
  struct Message {
    bool binary = false;
    std::string data;
  };

  virtual ~WebSocket() = default;

  // The next message, waiting up to `timeout` (zero = do not wait): nullopt when none arrived in
  // time; UNAVAILABLE once the connection is closed and every queued message has been read (the
  // message says who closed it and the code).
  virtual absl::StatusOr<std::optional<Message>> Read(absl::Duration timeout) = 0;

  // Queues one message. Blocks while more than 1 MiB is queued for this peer (up to the server's
  // websocket_send_timeout_seconds; then DEADLINE_EXCEEDED and the connection is closed).
  // UNAVAILABLE when the connection is closed or closing.
  virtual absl::Status Send(std::string data, bool binary) = 0;

  // Sends the queued messages, then a close frame with `code` and `reason` (at most 123 bytes).
  // No-op when already closed or closing.
  virtual void Close(int code, std::string reason) = 0;

  // False once a close frame was sent or received or the connection failed.
  virtual bool IsOpen() const = 0;

  // The close code the peer sent (0 when none, e.g. the connection dropped or is still open).
  virtual int PeerCloseCode() const = 0;

  // `fn` is called on a server thread whenever a message is queued for Read or the connection
  // closes, so an owner waiting on something else (a socket, a timer) can wake up. It must not
  // block or call back into this WebSocket. Replaces any previous callback.
  virtual void SetNotify(std::function<void()> fn) = 0;
};

// Runs a connection once the handshake succeeded, on a server thread: it must return quickly
// (start a thread or keep the socket for later). It is destroyed without being called when the
// handshake fails, so resources it captures are released either way.
using WebSocketHandler = std::function<void(std::unique_ptr<WebSocket>)>;

}  // namespace fleet::http
