#include "services/tunnel/server/tunnel_service.h"

#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/tunnel/server/convert.h"

namespace fleet::tunnel {
namespace {

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

grpc::Status TunnelServiceImpl::Reply(const absl::StatusOr<Session>& s, v1::Session* resp) {
  if (!s.ok()) return status::ToGrpc(s.status());
  ToProto(*s, broker_.SshCommand(*s), resp);
  return grpc::Status::OK;
}

grpc::Status TunnelServiceImpl::OpenTunnel(grpc::ServerContext*, const v1::OpenTunnelRequest* req,
                                           v1::Session* resp) {
  absl::StatusOr<OpenResult> r = broker_.Open(
      {req->device_id(), req->operator_id(),
       std::vector<std::string>(req->services().begin(), req->services().end()), FromProto(req->ttl())});
  if (!r.ok()) return status::ToGrpc(r.status());
  return Reply(r->session, resp);
}

grpc::Status TunnelServiceImpl::GetTunnel(grpc::ServerContext*, const v1::GetTunnelRequest* req,
                                          v1::Session* resp) {
  return Reply(broker_.Get(req->name()), resp);
}

grpc::Status TunnelServiceImpl::ListTunnels(grpc::ServerContext*, const v1::ListTunnelsRequest* req,
                                            v1::ListTunnelsResponse* resp) {
  ListRequest list{{req->device_id(), req->operator_id(), FromProto(req->state())},
                   req->page_size(), req->page_token()};
  if (req->state() != v1::STATE_UNSPECIFIED && !list.filter.state) {
    return status::ToGrpc(status::InvalidField("state", "unknown state"));
  }
  absl::StatusOr<ListResponse> r = broker_.List(list);
  if (!r.ok()) return status::ToGrpc(r.status());
  for (const Session& s : r->items) ToProto(s, broker_.SshCommand(s), resp->add_sessions());
  resp->set_next_page_token(r->next_page_token);
  return grpc::Status::OK;
}

grpc::Status TunnelServiceImpl::ExtendTunnel(grpc::ServerContext*,
                                             const v1::ExtendTunnelRequest* req, v1::Session* resp) {
  return Reply(broker_.Extend(req->name(), FromProto(req->extension()), req->operator_id()), resp);
}

grpc::Status TunnelServiceImpl::CloseTunnel(grpc::ServerContext*, const v1::CloseTunnelRequest* req,
                                            v1::Session* resp) {
  return Reply(broker_.Close(req->name(), req->operator_id(), req->reason()), resp);
}

}  // namespace fleet::tunnel
