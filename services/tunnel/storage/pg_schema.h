#pragma once

#include <vector>

#include "libs/pg/migrate.h"

namespace fleet::tunnel {

// The tunnel service's PostgreSQL schema, in order (apply with pg::Migrate):
//  tunnel_sessions  one row per session; at most one live row per device (partial UNIQUE).
//  tunnel_ports     one row per (server, port) ever configured: the allocation inventory.
//                   session_id is the holder (NULL = free); released_at drives quarantine.
//                   Allocation locks rows with FOR UPDATE SKIP LOCKED.
//  tunnel_leases    lease history; partial UNIQUE (server, port) WHERE released_at IS NULL
//                   makes two live leases on one port impossible whatever the code does.
//  tunnel_audit     one row per open / extend / close / device answer / sweep.
const std::vector<pg::Migration>& TunnelMigrations();

}  // namespace fleet::tunnel
