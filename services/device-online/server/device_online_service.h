#pragma once

#include "fleet/presence/v1/presence.grpc.pb.h"
#include "services/device-online/domain/history.h"
#include "services/device-online/domain/query.h"
#include "services/device-online/domain/watch_hub.h"

namespace fleet::online {

// gRPC handlers of fleet.presence.v1.DeviceOnline: convert, call one use case, convert back.
// Errors leave as google.rpc.Status with ErrorInfo (libs/status).
class DeviceOnlineService final : public presence::v1::DeviceOnline::Service {
 public:
  DeviceOnlineService(PresenceQuery& query, PresenceHistoryQuery& history, WatchHub& hub)
      : query_(query), history_(history), hub_(hub) {}

  grpc::Status GetPresence(grpc::ServerContext*, const presence::v1::GetPresenceRequest* req,
                           presence::v1::Presence* resp) override;
  grpc::Status BatchGetPresence(grpc::ServerContext*,
                                const presence::v1::BatchGetPresenceRequest* req,
                                presence::v1::BatchGetPresenceResponse* resp) override;
  grpc::Status ListPresence(grpc::ServerContext*, const presence::v1::ListPresenceRequest* req,
                            presence::v1::ListPresenceResponse* resp) override;
  grpc::Status WatchPresence(grpc::ServerContext* ctx, const presence::v1::WatchPresenceRequest* req,
                             grpc::ServerWriter<presence::v1::PresenceTransition>* writer) override;
  grpc::Status ListPresenceHistory(grpc::ServerContext*, const presence::v1::ListPresenceHistoryRequest* req,
                                   presence::v1::ListPresenceHistoryResponse* resp) override;

 private:
  PresenceQuery& query_;
  PresenceHistoryQuery& history_;
  WatchHub& hub_;
};

}  // namespace fleet::online
