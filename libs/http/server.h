#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/http/client.h"  // Fetch, ClientResponse: kept reachable through this header

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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;                 // 0 = any free port
  int threads = 4;              // handlers run on these threads and may block
  size_t max_body_bytes = 1 << 20;
  int idle_timeout_seconds = 60;
};

// HTTP/1.1 server (Boost.Beast) with keep-alive. Every request is passed to `handler`;
// malformed requests get 400, bodies over max_body_bytes 413, without reaching it. A handler
// that throws produces a 500. Responses to HEAD carry the headers (Content-Length of the
// handler's body) but no body. Start errors: INVALID_ARGUMENT for a bad address, UNAVAILABLE
// when it cannot be bound.
// Thread-safe; Stop() (or the destructor) closes the listener and waits for the threads.
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
