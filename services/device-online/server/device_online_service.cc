#include "services/device-online/server/device_online_service.h"

#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/device-online/server/convert.h"

namespace fleet::online {

grpc::Status DeviceOnlineService::GetPresence(grpc::ServerContext*,
                                              const presence::v1::GetPresenceRequest* req,
                                              presence::v1::Presence* resp) {
  absl::StatusOr<Presence> p = query_.Get(req->name());
  if (!p.ok()) return status::ToGrpc(p.status());
  ToProto(*p, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceOnlineService::BatchGetPresence(grpc::ServerContext*,
                                                   const presence::v1::BatchGetPresenceRequest* req,
                                                   presence::v1::BatchGetPresenceResponse* resp) {
  absl::StatusOr<BatchGetResponse> r =
      query_.BatchGet(std::vector<std::string>(req->device_ids().begin(), req->device_ids().end()));
  if (!r.ok()) return status::ToGrpc(r.status());
  for (const Presence& p : r->found) ToProto(p, resp->add_presences());
  for (const std::string& id : r->missing) resp->add_missing(id);
  return grpc::Status::OK;
}

grpc::Status DeviceOnlineService::ListPresence(grpc::ServerContext*,
                                               const presence::v1::ListPresenceRequest* req,
                                               presence::v1::ListPresenceResponse* resp) {
  absl::StatusOr<ListResponse> r = query_.List({req->filter(), req->page_size(), req->page_token()});
  if (!r.ok()) return status::ToGrpc(r.status());
  for (const Presence& p : r->items) ToProto(p, resp->add_presences());
  resp->set_next_page_token(r->next_page_token);
  resp->set_total_size(r->total);
  return grpc::Status::OK;
}

grpc::Status DeviceOnlineService::ListPresenceHistory(grpc::ServerContext*,
                                                      const presence::v1::ListPresenceHistoryRequest* req,
                                                      presence::v1::ListPresenceHistoryResponse* resp) {
  HistoryRequest in{req->device(), req->page_size(), req->page_token(), std::nullopt};
  if (req->has_start_time()) in.start_time = FromProto(req->start_time());
  absl::StatusOr<HistoryResponse> r = history_.List(in);
  if (!r.ok()) return status::ToGrpc(r.status());
  for (const Transition& t : r->items) ToProto(t, resp->add_transitions());
  resp->set_next_page_token(r->next_page_token);
  return grpc::Status::OK;
}

grpc::Status DeviceOnlineService::WatchPresence(
    grpc::ServerContext* ctx, const presence::v1::WatchPresenceRequest* req,
    grpc::ServerWriter<presence::v1::PresenceTransition>* writer) {
  std::vector<std::string> ids(req->device_ids().begin(), req->device_ids().end());
  if (ids.size() > PresenceQuery::kMaxBatch) {
    return status::ToGrpc(status::InvalidField("device_ids", "at most 1000 device_ids per watch"));
  }
  auto sub = hub_.Subscribe(std::move(ids));
  // Tells the client the subscription is in place: every transition from now on will reach it.
  ctx->AddInitialMetadata("fleet-watch-subscribed", "1");
  writer->SendInitialMetadata();
  grpc::Status result = grpc::Status::OK;
  while (!ctx->IsCancelled()) {
    for (const Transition& t : sub->Next(absl::Milliseconds(500))) {
      presence::v1::PresenceTransition out;
      ToProto(t, &out);
      if (!writer->Write(out)) break;
    }
    if (sub->overflowed()) {
      result = status::ToGrpc(status::MakeError(
          absl::StatusCode::kResourceExhausted, "WATCH_OVERFLOW",
          "the watcher fell too far behind; reconnect and re-read current presence"));
      break;
    }
    if (sub->closed()) {
      result = status::ToGrpc(status::MakeError(absl::StatusCode::kUnavailable, "SHUTTING_DOWN",
                                                "device-online is shutting down; reconnect"));
      break;
    }
  }
  hub_.Unsubscribe(sub);
  return result;
}

}  // namespace fleet::online
