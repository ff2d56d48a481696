#include "services/device-online/server/device_commands_service.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "libs/status/grpc.h"
#include "libs/trace/context.h"
#include "libs/trace/trace.h"

namespace fleet::online {

grpc::Status DeviceCommandsService::SendCommand(grpc::ServerContext* ctx, const presence::v1::SendCommandRequest* req,
                                                presence::v1::CommandResult* resp) {
  using google::protobuf::util::TimeUtil;
  CommandRequest r;
  r.device_id = req->device_id();
  r.type = req->type();
  r.body_json = req->body_json();
  if (req->has_timeout()) r.timeout = absl::Microseconds(TimeUtil::DurationToMicroseconds(req->timeout()));
  // Never wait past the caller's deadline (leave 50 ms to answer).
  const absl::Time grpc_deadline = absl::FromChrono(ctx->deadline());
  if (grpc_deadline < absl::InfiniteFuture()) r.not_after = grpc_deadline - absl::Milliseconds(50);
  const trace::TraceContext& tc = trace::Current();
  if (tc.valid()) r.traceparent = trace::FormatTraceparent(tc);
  absl::StatusOr<CommandResult> out = relay_.Send(std::move(r));
  if (!out.ok()) return status::ToGrpc(out.status());
  resp->set_request_id(out->request_id);
  resp->set_status_code(out->status_code);
  resp->set_status(out->status);
  resp->set_description(out->description);
  resp->set_body_json(out->body_json);
  if (out->answer_time != absl::InfinitePast()) {
    *resp->mutable_answer_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(out->answer_time));
  }
  *resp->mutable_latency() = TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(out->latency));
  return grpc::Status::OK;
}

}  // namespace fleet::online
