#include "bff/router.h"

#include "absl/strings/str_split.h"

namespace fleet::bff {
namespace {

// "/a//b/" -> {"a", "", "b"}: one leading and one trailing slash are ignored, empty segments in
// between are kept (and never match a variable).
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out = absl::StrSplit(path, '/');
  if (!out.empty() && out.front().empty()) out.erase(out.begin());
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteHandler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = pattern;
  std::string path = pattern;
  const size_t last_slash = path.rfind('/');
  const size_t colon = path.find(':', last_slash == std::string::npos ? 0 : last_slash);
  if (colon != std::string::npos) {
    r.verb = path.substr(colon + 1);
    path.resize(colon);
  }
  r.segments = Segments(path);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

bool Router::MatchRoute(const Route& r, const std::string& full_path, bool split_verb,
                        PathVars& vars) {
  std::string path = full_path;
  const size_t last_slash = path.rfind('/');
  const size_t colon = path.rfind(':');
  std::string verb;
  if (split_verb && colon != std::string::npos &&
      (last_slash == std::string::npos || colon > last_slash)) {
    verb = path.substr(colon + 1);
    path.resize(colon);
  }
  if (verb != r.verb) return false;
  std::vector<std::string> segs = Segments(path);
  if (segs.size() != r.segments.size()) return false;
  PathVars found;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& want = r.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segs[i].empty()) return false;
      found[want.substr(1, want.size() - 2)] = segs[i];
    } else if (want != segs[i]) {
      return false;
    }
  }
  vars = std::move(found);
  return true;
}

Router::Match Router::Find(const std::string& method, const std::string& path) const {
  Match m;
  for (bool split_verb : {true, false}) {
    for (const Route& r : routes_) {
      PathVars vars;
      if (!MatchRoute(r, path, split_verb, vars)) continue;
      if (r.method == method || (method == "HEAD" && r.method == "GET")) {
        m.handler = &r.handler;
        m.pattern = r.pattern;
        m.vars = std::move(vars);
        m.method_mismatch = false;
        m.allowed.clear();
        return m;
      }
      if (!m.method_mismatch) m.pattern = r.pattern;
      m.method_mismatch = true;
      m.allowed.push_back(r.method);
    }
    if (m.method_mismatch) return m;
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.push_back({r.method, r.pattern});
  return out;
}

}  // namespace fleet::bff
