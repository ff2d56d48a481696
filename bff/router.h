#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libs/http/server.h"

namespace fleet::bff {

// Path variables of a matched route, e.g. {"device": "dev-1"}.
using PathVars = std::map<std::string, std::string>;
using RouteHandler = std::function<http::Response(const http::Request&, const PathVars&)>;

// Matches "/v1/devices/{device}/presence" or "/v1/tunnels/{tunnel}:close" style patterns
// (AIP-136 custom verbs). A variable matches one path segment. A ':' in the last segment is
// first read as a custom verb; when no route has that verb, it is part of the segment, so
// "/v1/devices/gw:7" reaches "/v1/devices/{device}" with device "gw:7".
// Thread-safe after construction.
class Router {
 public:
  struct Match {
    const RouteHandler* handler = nullptr;  // null: no route
    std::string pattern;                    // the route template, for metrics labels
    PathVars vars;
    bool method_mismatch = false;           // the path exists with another method
    std::vector<std::string> allowed;       // methods of that path
  };

  void Add(std::string method, std::string pattern, RouteHandler handler);
  Match Find(const std::string& method, const std::string& path) const;
  // Every (method, pattern), for /openapi.json checks.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" marks a variable
    std::string verb;                   // ":close" suffix, without ':'
    RouteHandler handler;
  };
  // `split_verb`: read a ':' in the last segment as a custom verb; otherwise the whole segment
  // is matched (device ids may contain ':').
  static bool MatchRoute(const Route& r, const std::string& path, bool split_verb, PathVars& vars);
  std::vector<Route> routes_;
};

}  // namespace fleet::bff
