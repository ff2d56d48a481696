#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/tunnel/domain/session.h"

// The frp server pool: validation and the port allocation policy. Pure, thread-safe.
namespace fleet::tunnel {

// Checks a pool from configuration: at least one server; unique non-empty names; a public
// address; bind_port and the remote range inside 1..65535 with min <= max and bind_port outside
// the range; weight 1..1000; a token (resolved) for every server taking sessions; at least one
// enabled server. INVALID_ARGUMENT naming the server and field otherwise.
absl::Status ValidatePool(const std::vector<FrpServer>& servers);

// Allocation policy: the servers a new session needing `needed` ports may go to, best first.
// Only enabled servers with at least `needed` free ports qualify. Best = fewest used ports
// (range size - free, quarantined ports count as used) per unit of weight, so load spreads in
// proportion to weight; ties go to more free ports, then by name. The store tries them in this order, since free counts read
// before a concurrent allocation may be stale. Empty = exhausted.
std::vector<const FrpServer*> RankServers(const std::vector<FrpServer>& servers,
                                          const std::map<std::string, int64_t>& free_ports,
                                          int needed);

}  // namespace fleet::tunnel
