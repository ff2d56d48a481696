#include "services/device-config/edge/presence_check.h"

#include <algorithm>
#include <chrono>

#include <grpcpp/grpcpp.h>

#include "fleet/presence/v1/presence.grpc.pb.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"

namespace fleet::devcfg {
namespace {

constexpr size_t kBatch = 1000;  // BatchGetPresence's limit

class GrpcPresenceCheck : public PresenceCheck {
 public:
  GrpcPresenceCheck(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(presence::v1::DeviceOnline::NewStub(channel)), timeout_(timeout) {}

  absl::StatusOr<absl::flat_hash_set<std::string>> NotOnline(const std::vector<std::string>& ids) override {
    absl::flat_hash_set<std::string> out;
    for (size_t i = 0; i < ids.size(); i += kBatch) {
      presence::v1::BatchGetPresenceRequest req;
      for (size_t j = i; j < std::min(ids.size(), i + kBatch); ++j) req.add_device_ids(ids[j]);
      presence::v1::BatchGetPresenceResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
      grpc::Status st = stub_->BatchGetPresence(&ctx, req, &resp);
      if (!st.ok()) return status::FromGrpc(st);
      for (const auto& p : resp.presences()) {
        if (p.state() != presence::v1::ONLINE) out.insert(p.device_id());
      }
      for (const std::string& m : resp.missing()) out.insert(m);
    }
    return out;
  }

 private:
  std::unique_ptr<presence::v1::DeviceOnline::Stub> stub_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<PresenceCheck> NewGrpcPresenceCheck(const std::string& target, absl::Duration timeout) {
  return std::make_unique<GrpcPresenceCheck>(grpcx::Dial(target), timeout);
}

}  // namespace fleet::devcfg
