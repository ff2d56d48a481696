#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/http/client.h"  // Fetch, ClientResponse: kept reachable through this header
#include "libs/http/websocket.h"

namespace fleet::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path + query as received
  std::string path;    // percent-decoded path, no query
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;

  std::string Header(const std::string& lower_name) const;
  std::string QueryParam(const std::string& name) const;
};

// Whether the request asks for a WebSocket upgrade (GET with Connection: upgrade, Upgrade:
// websocket and a Sec-WebSocket-Key).
bool IsWebSocketUpgrade(const Request& r);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set to accept a WebSocket upgrade request: the server answers 101 (with `headers`; status,
  // content type and body are ignored) and hands the connection to this handler. When set on a
  // request that is not an upgrade, the client gets 426 UPGRADE_REQUIRED instead. An upgrade
  // request answered without it gets the response as is (a refusal, e.g. 401 or 404).
  WebSocketHandler websocket;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;                 // 0 = any free port
  int threads = 4;              // handlers run on these threads and may block
  // Independent event loops the threads are split over (1..threads). Each connection stays on
  // one loop. One loop (the default): any free thread serves any connection, so a handler that
  // blocks for long holds up no connection but its own. More loops: fewer thread hand-offs and
  // wake-ups per request (cheaper under many connections), but a handler that blocks holds up
  // the other connections of its loop while all of that loop's threads are busy.
  int event_loops = 1;
  size_t max_body_bytes = 1 << 20;
  int idle_timeout_seconds = 60;
  // WebSocket connections: larger messages close the connection with 1009; a peer that answers
  // no ping for idle_timeout_seconds is dropped; Send gives up after websocket_send_timeout_seconds.
  size_t max_websocket_message_bytes = 1 << 20;
  int websocket_send_timeout_seconds = 30;
};

// HTTP/1.1 server (Boost.Beast) with keep-alive. Every request is passed to `handler`;
// malformed requests get 400, bodies over max_body_bytes 413, without reaching it. A handler
// that throws produces a 500. Responses to HEAD carry the headers (Content-Length of the
// handler's body) but no body. Start errors: INVALID_ARGUMENT for a bad address, UNAVAILABLE
// when it cannot be bound.
// A response with `websocket` set upgrades the connection (see Response::websocket).
// Thread-safe; Stop() (or the destructor) closes the listener, waits for the threads and marks
// every WebSocket closed.
class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);
  virtual ~Server() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

// A random 16-hex-character request id (for X-Request-Id and error metadata). Thread-safe.
std::string NewRequestId();

// Splits "a=1&b=x%20y" into decoded pairs.
std::map<std::string, std::string> ParseQuery(std::string_view query);
std::string PercentDecode(std::string_view s);

}  // namespace fleet::http
