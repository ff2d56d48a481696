#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::http {

// The parts of an "http://host[:port][/target]" URL. IPv6 literals are written
// "[::1]:8080"; `host` holds them without the brackets.
struct Url {
  std::string host;
  int port = 80;
  std::string target = "/";  // path and query, always starting with '/'
};

// Parses an http:// URL. INVALID_ARGUMENT for another scheme (https is not
// supported), an empty host or a port outside 1..65535. Pure function.
absl::StatusOr<Url> ParseUrl(std::string_view url);

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, e.g. headers["content-type"]
  std::string body;
};

struct FetchOptions {
  // Bounds connecting, sending the request and reading the whole response
  // together. absl::InfiniteDuration() waits forever; zero or negative times
  // out at once.
  absl::Duration timeout = absl::Seconds(30);
};

// Minimal blocking HTTP/1.1 client for tests, tools and exporters: one request
// on a fresh connection. A non-empty body without a Content-Type header is sent
// as application/json. Any HTTP status is a successful result. Errors:
// INVALID_ARGUMENT for a bad URL, an unknown method or an invalid header;
// DEADLINE_EXCEEDED when `options.timeout` passes first; UNAVAILABLE when the
// host cannot be resolved or reached or the response cannot be read.
// Thread-safe (no shared state).
absl::StatusOr<ClientResponse> Fetch(const std::string& method, const std::string& url,
                                     const std::string& body = "",
                                     const std::map<std::string, std::string>& headers = {},
                                     const FetchOptions& options = {});

}  // namespace fleet::http
