#include "services/device-online/server/convert.h"

#include "google/protobuf/util/time_util.h"

namespace fleet::online {
namespace {

using google::protobuf::util::TimeUtil;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

presence::v1::State ToProto(State s) {
  return s == State::kOnline ? presence::v1::ONLINE : presence::v1::OFFLINE;
}

}  // namespace

absl::Time FromProto(const google::protobuf::Timestamp& in) {
  return absl::FromUnixSeconds(in.seconds()) + absl::Nanoseconds(in.nanos());
}

void ToProto(const Presence& in, presence::v1::Presence* out) {
  out->set_name("devices/" + in.device_id + "/presence");
  out->set_device_id(in.device_id);
  out->set_state(ToProto(in.state));
  SetTime(in.last_seen, out->mutable_last_seen_time());
  SetTime(in.state_changed, out->mutable_state_change_time());
  if (!in.board.empty()) {
    auto* b = out->mutable_board();
    if (in.board.cpu_percent) b->set_cpu_percent(*in.board.cpu_percent);
    if (in.board.mem_percent) b->set_mem_percent(*in.board.mem_percent);
    if (in.board.temperature_c) b->set_temperature_c(*in.board.temperature_c);
    if (in.board.firmware_version) b->set_firmware_version(*in.board.firmware_version);
    if (in.board.signal_dbm) b->set_signal_dbm(*in.board.signal_dbm);
  }
}

void ToProto(const Transition& in, presence::v1::PresenceTransition* out) {
  out->set_device_id(in.device_id);
  out->set_state(ToProto(in.state));
  SetTime(in.time, out->mutable_time());
  SetTime(in.last_seen, out->mutable_last_seen_time());
  out->set_transition_id(in.id);
  out->set_cause(in.cause);
}

}  // namespace fleet::online
