#include "services/tunnel/domain/pool.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::tunnel {

absl::Status ValidatePool(const std::vector<FrpServer>& servers) {
  if (servers.empty()) return status::InvalidField("frp_servers", "at least one frp server is required");
  std::set<std::string> names;
  bool any_enabled = false;
  for (size_t i = 0; i < servers.size(); ++i) {
    const FrpServer& s = servers[i];
    auto bad = [&](const std::string& field, const std::string& why) {
      return status::InvalidField(
          "frp_servers", absl::StrCat("frp server ", s.name.empty() ? absl::StrCat("#", i) : s.name,
                                      ": ", field, " ", why));
    };
    if (s.name.empty()) return bad("name", "is required");
    if (!names.insert(s.name).second) return bad("name", "is used twice");
    if (s.public_address.empty()) return bad("public_address", "is required");
    if (s.bind_port < 1 || s.bind_port > 65535) return bad("bind_port", "must be 1..65535");
    if (s.port_min < 1 || s.port_max > 65535 || s.port_min > s.port_max) {
      return bad("port range", "must be min-max within 1..65535 with min <= max");
    }
    if (s.bind_port >= s.port_min && s.bind_port <= s.port_max) {
      return bad("bind_port", "must be outside the remote port range");
    }
    if (s.weight < 1 || s.weight > 1000) return bad("weight", "must be 1..1000");
    if (s.mode != FrpServer::Mode::kDisabled && s.token.empty()) {
      return bad("token", absl::StrCat("is empty (token_ref \"", s.token_ref, "\")"));
    }
    any_enabled |= s.mode == FrpServer::Mode::kEnabled;
  }
  if (!any_enabled) return status::InvalidField("frp_servers", "no frp server is enabled");
  return absl::OkStatus();
}

std::vector<const FrpServer*> RankServers(const std::vector<FrpServer>& servers,
                                          const std::map<std::string, int64_t>& free_ports,
                                          int needed) {
  struct Scored {
    const FrpServer* server;
    int64_t used;
    int64_t free;
  };
  std::vector<Scored> ok;
  for (const FrpServer& s : servers) {
    if (s.mode != FrpServer::Mode::kEnabled) continue;
    auto it = free_ports.find(s.name);
    const int64_t free = it == free_ports.end() ? 0 : it->second;
    if (free < needed) continue;
    ok.push_back({&s, s.PortCount() - free, free});
  }
  std::sort(ok.begin(), ok.end(), [](const Scored& a, const Scored& b) {
    // used_a / weight_a < used_b / weight_b, without division.
    const int64_t la = a.used * b.server->weight, lb = b.used * a.server->weight;
    if (la != lb) return la < lb;
    if (a.free != b.free) return a.free > b.free;
    return a.server->name < b.server->name;
  });
  std::vector<const FrpServer*> out;
  for (const Scored& s : ok) out.push_back(s.server);
  return out;
}

}  // namespace fleet::tunnel
