#include "bff/presence_backend.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "bff/grpc_call.h"
#include "libs/batching/group_commit.h"
#include "libs/grpcx/server.h"
#include "libs/ids/device_id.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

// WatchPresence over gRPC. Open means device-online acknowledged the subscription in the
// stream's initial metadata ("fleet-watch-subscribed: 1"); a device-online that does not is
// treated as one whose stream failed to open.
class GrpcPresenceWatch : public PresenceWatch {
 public:
  explicit GrpcPresenceWatch(presence::v1::DeviceOnline::Stub& stub) : stub_(stub) {}

  absl::Status WaitOpen() override {
    // The call starts here, not in the constructor, so that Cancel() can always reach it (a
    // cancel before the start cancels the call as it starts).
    reader_ = stub_.WatchPresence(&ctx_, presence::v1::WatchPresenceRequest());
    reader_->WaitForInitialMetadata();
    const auto& md = ctx_.GetServerInitialMetadata();
    auto ack = md.find("fleet-watch-subscribed");
    if (ack != md.end() && ack->second == "1") return absl::OkStatus();
    // No acknowledgement: either the stream already ended (its status is the answer) or a
    // device-online from before the acknowledgement is streaming transitions (its metadata came
    // with the first one): end that call instead of waiting in Finish() for its end.
    presence::v1::PresenceTransition first;
    if (reader_->Read(&first)) {
      ctx_.TryCancel();
      (void)Finish();
      return status::MakeError(absl::StatusCode::kUnimplemented, "BACKEND_UNAVAILABLE",
                               "device-online did not acknowledge the WatchPresence subscription (initial "
                               "metadata fleet-watch-subscribed); it may predate it");
    }
    absl::Status st = Finish();
    if (!st.ok()) return st;
    return status::MakeError(absl::StatusCode::kUnimplemented, "BACKEND_UNAVAILABLE",
                             "device-online ended WatchPresence without acknowledging the subscription");
  }
  bool Next(presence::v1::PresenceTransition* out) override { return reader_ != nullptr && reader_->Read(out); }
  void Cancel() override { ctx_.TryCancel(); }
  absl::Status Finish() override {
    if (reader_ == nullptr) return absl::FailedPreconditionError("WaitOpen() was not called");
    if (!finished_) {
      finish_ = reader_->Finish();
      finished_ = true;
    }
    return status::FromGrpc(finish_);
  }

 private:
  presence::v1::DeviceOnline::Stub& stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<presence::v1::PresenceTransition>> reader_;
  bool finished_ = false;
  grpc::Status finish_;
};

class GrpcPresenceBackend : public PresenceBackend {
 public:
  explicit GrpcPresenceBackend(std::shared_ptr<grpc::Channel> channel)
      : channel_(channel), stub_(presence::v1::DeviceOnline::NewStub(channel)) {}

  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext& call) override {
    presence::v1::GetPresenceRequest req;
    req.set_name(name);
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::GetPresence, req, call);
  }

  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext& call) override {
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::BatchGetPresence, req, call);
  }

  absl::StatusOr<presence::v1::ListPresenceResponse> List(const presence::v1::ListPresenceRequest& req,
                                                          const CallContext& call) override {
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::ListPresence, req, call);
  }

  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext& call) override {
    return UnaryCall(*stub_, &presence::v1::DeviceOnline::Stub::ListPresenceHistory, req, call);
  }

  std::unique_ptr<PresenceWatch> Watch() override { return std::make_unique<GrpcPresenceWatch>(*stub_); }

  absl::Status Ready() override {
    // A cheap call with a short deadline: the service's own readiness includes its backends.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    presence::v1::ListPresenceRequest req;
    req.set_page_size(1);
    req.set_filter("online");
    presence::v1::ListPresenceResponse resp;
    grpc::Status st = stub_->ListPresence(&ctx, req, &resp);
    if (!st.ok()) return status::FromGrpc(st);
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<presence::v1::DeviceOnline::Stub> stub_;
};

// One Get waiting for a shared BatchGetPresence.
struct PresenceGet {
  std::string name;  // as asked
  std::string id;    // the device id in it
  const CallContext* call;
};

class BatchingPresenceBackend : public PresenceBackend {
 public:
  BatchingPresenceBackend(std::unique_ptr<PresenceBackend> inner, PresenceBatchOptions options)
      : inner_(std::move(inner)),
        batch_(options.max_batch > 1),
        group_({.max_batch = std::min<size_t>(options.max_batch, kMaxBatch), .max_inflight = options.max_inflight},
               [this](const std::vector<const PresenceGet*>& gets) { return Send(gets); }) {}

  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext& call) override {
    absl::string_view id = name;
    if (!batch_ || !absl::ConsumePrefix(&id, "devices/") || !absl::ConsumeSuffix(&id, "/presence") ||
        !ids::IsValidDeviceId(std::string_view(id.data(), id.size()))) {
      return inner_->Get(name, call);
    }
    return group_.Call(PresenceGet{name, std::string(id), &call});
  }
  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext& call) override {
    return inner_->BatchGet(req, call);
  }
  absl::StatusOr<presence::v1::ListPresenceResponse> List(const presence::v1::ListPresenceRequest& req,
                                                          const CallContext& call) override {
    return inner_->List(req, call);
  }
  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext& call) override {
    return inner_->ListHistory(req, call);
  }
  std::unique_ptr<PresenceWatch> Watch() override { return inner_->Watch(); }
  absl::Status Ready() override { return inner_->Ready(); }

 private:
  static constexpr size_t kMaxBatch = 1000;  // device-online's limit per BatchGetPresence

  std::vector<absl::StatusOr<presence::v1::Presence>> Send(const std::vector<const PresenceGet*>& gets) {
    std::vector<absl::StatusOr<presence::v1::Presence>> out;
    out.reserve(gets.size());
    if (gets.size() == 1) {
      out.push_back(inner_->Get(gets[0]->name, *gets[0]->call));
      return out;
    }
    presence::v1::BatchGetPresenceRequest req;
    CallContext call = *gets[0]->call;  // the sender's request id
    absl::flat_hash_set<absl::string_view> asked;
    for (const PresenceGet* g : gets) {
      call.deadline = std::min(call.deadline, g->call->deadline);
      if (asked.insert(g->id).second) req.add_device_ids(g->id);
    }
    absl::StatusOr<presence::v1::BatchGetPresenceResponse> resp = inner_->BatchGet(req, call);
    absl::flat_hash_map<absl::string_view, const presence::v1::Presence*> found;
    if (resp.ok()) {
      for (const presence::v1::Presence& p : resp->presences()) found[p.device_id()] = &p;
    }
    for (const PresenceGet* g : gets) {
      if (!resp.ok()) {
        out.push_back(resp.status());
      } else if (auto it = found.find(g->id); it != found.end()) {
        out.push_back(*it->second);
      } else {
        // As device-online's GetPresence says it.
        out.push_back(status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND",
                                        absl::StrCat("device \"", g->id, "\" has never been seen"),
                                        {{"device_id", g->id}}));
      }
    }
    return out;
  }

  std::unique_ptr<PresenceBackend> inner_;
  const bool batch_;
  batching::GroupCommit<PresenceGet, absl::StatusOr<presence::v1::Presence>> group_;
};

}  // namespace

std::unique_ptr<PresenceBackend> NewBatchingPresenceBackend(std::unique_ptr<PresenceBackend> inner,
                                                            PresenceBatchOptions options) {
  return std::make_unique<BatchingPresenceBackend>(std::move(inner), options);
}

std::unique_ptr<PresenceBackend> NewGrpcPresenceBackend(const std::string& target) {
  return std::make_unique<GrpcPresenceBackend>(grpcx::Dial(target));
}

}  // namespace fleet::bff
