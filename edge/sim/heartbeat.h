#pragma once

#include <string>

#include "edge/sim/fleet.h"

namespace fleet::sim {

// The heartbeat event exactly as a gateway sends it (JSON envelope, or protobuf binary).
std::string HeartbeatJson(const Heartbeat& h, const std::string& message_id);
std::string HeartbeatProto(const Heartbeat& h, const std::string& message_id);

}  // namespace fleet::sim
