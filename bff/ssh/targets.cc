#include "bff/ssh/targets.h"

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::bff::ssh {
namespace {

class TunnelTargets : public TargetResolver {
 public:
  explicit TunnelTargets(TunnelBackend& tunnels) : tunnels_(tunnels) {}

  absl::StatusOr<SshTarget> Resolve(const std::string& device_id, const CallContext& ctx) override {
    tunnel::v1::ListTunnelsRequest req;
    req.set_device_id(device_id);
    req.set_state(tunnel::v1::OPEN);
    req.set_page_size(1);
    auto resp = tunnels_.List(req, ctx);
    if (!resp.ok()) return resp.status();
    if (resp->sessions_size() == 0) {
      return status::MakeError(absl::StatusCode::kNotFound, "SSH_NO_TUNNEL",
                               absl::StrCat("device ", device_id, " has no OPEN tunnel: open one with ssh (POST /v1/devices/",
                                            device_id, "/tunnels) and wait until it is OPEN"),
                               {{"device_id", device_id}});
    }
    const tunnel::v1::Session& s = resp->sessions(0);
    for (const tunnel::v1::ServicePort& p : s.services()) {
      if (p.name() == "ssh" && p.remote_port() > 0) return SshTarget{s.public_address(), p.remote_port(), s.name()};
    }
    return status::MakeError(absl::StatusCode::kFailedPrecondition, "SSH_NOT_IN_TUNNEL",
                             absl::StrCat("the OPEN tunnel ", s.name(), " of device ", device_id,
                                          " has no ssh proxy: close it and open one with ssh"),
                             {{"device_id", device_id}, {"tunnel", s.name()}});
  }

  absl::Status StillOpen(const std::string& tunnel, const CallContext& ctx) override {
    tunnel::v1::GetTunnelRequest req;
    req.set_name(tunnel);
    auto s = tunnels_.Get(req, ctx);
    if (!s.ok()) {
      if (s.status().code() == absl::StatusCode::kNotFound) {
        return status::MakeError(absl::StatusCode::kFailedPrecondition, "TUNNEL_CLOSED", "the tunnel is gone");
      }
      return absl::OkStatus();  // cannot tell now; ask again at the next check
    }
    if (s->state() == tunnel::v1::OPEN) return absl::OkStatus();
    return status::MakeError(absl::StatusCode::kFailedPrecondition, "TUNNEL_CLOSED",
                             absl::StrCat("the tunnel is ", tunnel::v1::State_Name(s->state())),
                             {{"state", tunnel::v1::State_Name(s->state())}});
  }

 private:
  TunnelBackend& tunnels_;
};

}  // namespace

std::unique_ptr<TargetResolver> NewTunnelTargetResolver(TunnelBackend& tunnels) {
  return std::make_unique<TunnelTargets>(tunnels);
}

}  // namespace fleet::bff::ssh
