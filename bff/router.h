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
// (AIP-136 custom verbs). A variable matches one path segment without ':' or '/'.
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
  static bool MatchRoute(const Route& r, const std::string& path, PathVars& vars);
  std::vector<Route> routes_;
};

}  // namespace fleet::bff
