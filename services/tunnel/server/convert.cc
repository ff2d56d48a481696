#include "services/tunnel/server/convert.h"

#include "google/protobuf/util/time_util.h"

namespace fleet::tunnel {
namespace {

using google::protobuf::util::TimeUtil;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

v1::State ToProto(SessionState s) {
  switch (s) {
    case SessionState::kRequested: return v1::REQUESTED;
    case SessionState::kOpen: return v1::OPEN;
    case SessionState::kClosing: return v1::CLOSING;
    case SessionState::kClosed: return v1::CLOSED;
    case SessionState::kFailed: return v1::FAILED;
    case SessionState::kExpired: return v1::EXPIRED;
  }
  return v1::STATE_UNSPECIFIED;
}

std::optional<SessionState> FromProto(v1::State s) {
  switch (s) {
    case v1::REQUESTED: return SessionState::kRequested;
    case v1::OPEN: return SessionState::kOpen;
    case v1::CLOSING: return SessionState::kClosing;
    case v1::CLOSED: return SessionState::kClosed;
    case v1::FAILED: return SessionState::kFailed;
    case v1::EXPIRED: return SessionState::kExpired;
    default: return std::nullopt;
  }
}

void ToProto(const Session& in, const std::string& ssh_command, v1::Session* out) {
  out->set_name("tunnels/" + in.id);
  out->set_device_id(in.device_id);
  out->set_operator_id(in.operator_id);
  out->set_state(ToProto(in.state));
  out->set_frp_server(in.server);
  out->set_public_address(in.public_address);
  for (const ServicePort& p : in.services) {
    v1::ServicePort* sp = out->add_services();
    sp->set_name(p.name);
    sp->set_local_ip(p.local_ip);
    sp->set_local_port(p.local_port);
    sp->set_remote_port(p.remote_port);
  }
  SetTime(in.create_time, out->mutable_create_time());
  SetTime(in.expire_time, out->mutable_expire_time());
  if (in.close_time) SetTime(*in.close_time, out->mutable_close_time());
  out->set_close_reason(in.close_reason);
  out->set_ssh_command(ssh_command);
}

}  // namespace fleet::tunnel
