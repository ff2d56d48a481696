#include "bff/tunnel_routes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "bff/http_util.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

std::string TunnelName(const std::string& id) { return "tunnels/" + id; }

// A body field the BFF sets itself must be absent or equal to the BFF's value.
absl::Status SameOrEmpty(const std::string& body_value, const std::string& ours, const char* field,
                         const char* why) {
  if (body_value.empty() || body_value == ours) return absl::OkStatus();
  return status::InvalidField(field, why);
}

}  // namespace

void TunnelRoutes::Register(Router& router) {
  router.Add("POST", "/v1/devices/{device}/tunnels",
             [this](const http::Request& r, const PathVars& v) { return Open(r, v.at("device")); });
  router.Add("GET", "/v1/tunnels/{tunnel}",
             [this](const http::Request& r, const PathVars& v) { return Get(r, v.at("tunnel")); });
  router.Add("POST", "/v1/tunnels/{tunnel}:extend",
             [this](const http::Request& r, const PathVars& v) { return Extend(r, v.at("tunnel")); });
  router.Add("POST", "/v1/tunnels/{tunnel}:close",
             [this](const http::Request& r, const PathVars& v) { return Close(r, v.at("tunnel")); });
  router.Add("GET", "/v1/tunnels", [this](const http::Request& r, const PathVars&) { return List(r); });
}

http::Response TunnelRoutes::Open(const http::Request& r, const std::string& device_id) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  tunnel::v1::OpenTunnelRequest req;
  if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
  absl::Status st = SameOrEmpty(req.device_id(), device_id, "deviceId", "deviceId in the body differs from the path");
  if (st.ok()) st = SameOrEmpty(req.operator_id(), *op, "operatorId", "the operator is the signed-in caller; leave operatorId out");
  if (!st.ok()) return Error(st, r);
  req.set_device_id(device_id);
  req.set_operator_id(*op);
  if (registry_ != nullptr) {
    config::v1::GetDeviceRequest get;
    get.set_name("devices/" + device_id);
    if (auto d = registry_->Get(get, ContextFor(r, timeout_)); !d.ok()) return Error(d.status(), r);
  }
  auto s = tunnels_.Open(req, ContextFor(r, timeout_));
  if (!s.ok()) return Error(s.status(), r);
  return ProtoJson(*s);
}

http::Response TunnelRoutes::Get(const http::Request& r, const std::string& id) {
  tunnel::v1::GetTunnelRequest req;
  req.set_name(TunnelName(id));
  auto s = tunnels_.Get(req, ContextFor(r, timeout_));
  if (!s.ok()) return Error(s.status(), r);
  return ProtoJson(*s);
}

http::Response TunnelRoutes::Extend(const http::Request& r, const std::string& id) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  tunnel::v1::ExtendTunnelRequest req;
  if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
  absl::Status st = SameOrEmpty(req.name(), TunnelName(id), "name", "the name in the body differs from the path");
  if (st.ok()) st = SameOrEmpty(req.operator_id(), *op, "operatorId", "the operator is the signed-in caller; leave operatorId out");
  if (!st.ok()) return Error(st, r);
  req.set_name(TunnelName(id));
  req.set_operator_id(*op);
  auto s = tunnels_.Extend(req, ContextFor(r, timeout_));
  if (!s.ok()) return Error(s.status(), r);
  return ProtoJson(*s);
}

http::Response TunnelRoutes::Close(const http::Request& r, const std::string& id) {
  auto op = OperatorOf(r);
  if (!op.ok()) return Error(op.status(), r);
  tunnel::v1::CloseTunnelRequest req;
  if (absl::Status st = ParseJsonBody(r, req, /*allow_empty=*/true); !st.ok()) return Error(st, r);
  absl::Status st = SameOrEmpty(req.name(), TunnelName(id), "name", "the name in the body differs from the path");
  if (st.ok()) st = SameOrEmpty(req.operator_id(), *op, "operatorId", "the operator is the signed-in caller; leave operatorId out");
  if (!st.ok()) return Error(st, r);
  req.set_name(TunnelName(id));
  req.set_operator_id(*op);
  auto s = tunnels_.Close(req, ContextFor(r, timeout_));
  if (!s.ok()) return Error(s.status(), r);
  return ProtoJson(*s);
}

http::Response TunnelRoutes::List(const http::Request& r) {
  tunnel::v1::ListTunnelsRequest req;
  auto size = PageSize(r);
  if (!size.ok()) return Error(size.status(), r);
  req.set_page_size(*size);
  req.set_page_token(r.QueryParam("page_token"));
  req.set_device_id(r.QueryParam("device"));
  req.set_operator_id(r.QueryParam("operator"));
  if (const std::string state = absl::AsciiStrToUpper(r.QueryParam("state")); !state.empty()) {
    tunnel::v1::State s;
    if (!tunnel::v1::State_Parse(state, &s) || s == tunnel::v1::STATE_UNSPECIFIED) {
      return Error(status::InvalidField(
                       "state", "state must be one of REQUESTED, OPEN, CLOSING, CLOSED, FAILED, EXPIRED"),
                   r);
    }
    req.set_state(s);
  }
  auto resp = tunnels_.List(req, ContextFor(r, timeout_));
  if (!resp.ok()) return Error(resp.status(), r);
  return ProtoJson(*resp);
}

}  // namespace fleet::bff
