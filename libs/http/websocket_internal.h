#pragma once

// Server-side plumbing between server.cc and websocket.cc. Not part of the public API.

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "libs/http/websocket.h"

namespace fleet::http::internal {

class WsConn;

// The live WebSocket connections of one server, so Stop() can close them all. Thread-safe.
class WsTracker {
 public:
  void Add(const std::shared_ptr<WsConn>& c);
  // Marks every connection closed and releases its socket. Call only after the server's
  // io_context threads have stopped.
  void ShutdownAll();

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<WsConn>> conns_;
};

struct WsLimits {
  size_t max_message_bytes = 1 << 20;
  int idle_timeout_seconds = 60;
  absl::Duration send_timeout = absl::Seconds(30);
};

// Completes the handshake of `req` on `stream` (whose executor must be a strand), adding
// `headers` to the 101 response, then calls `handler` with the connection. On a failed
// handshake the handler is dropped uncalled.
void AcceptWebSocket(boost::beast::tcp_stream stream,
                     boost::beast::http::request<boost::beast::http::string_body> req,
                     std::vector<std::pair<std::string, std::string>> headers, WebSocketHandler handler,
                     const WsLimits& limits, std::shared_ptr<WsTracker> tracker);

}  // namespace fleet::http::internal
