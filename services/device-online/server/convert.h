#pragma once

#include "fleet/presence/v1/presence.pb.h"
#include "services/device-online/domain/presence.h"

namespace fleet::online {

// Domain <-> proto conversions of device-online's API (also used for the fleet.presence topic).
void ToProto(const Presence& in, presence::v1::Presence* out);
void ToProto(const Transition& in, presence::v1::PresenceTransition* out);
absl::Time FromProto(const google::protobuf::Timestamp& in);

}  // namespace fleet::online
