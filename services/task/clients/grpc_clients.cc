#include "services/task/clients/grpc_clients.h"

#include <future>
#include <set>

#include "libs/status/grpc.h"

namespace fleet::task {
namespace {

void SetDeadline(grpc::ClientContext& ctx, absl::Duration d) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::microseconds(absl::ToInt64Microseconds(d)));
}

}  // namespace

absl::StatusOr<std::map<std::string, DevicePresence>> GrpcPresenceSource::Lookup(
    const std::vector<std::string>& device_ids) {
  std::map<std::string, DevicePresence> out;
  const size_t batch = static_cast<size_t>(std::max(1, options_.batch));
  const auto call = [this](std::vector<std::string> ids)
      -> absl::StatusOr<presence::v1::BatchGetPresenceResponse> {
    presence::v1::BatchGetPresenceRequest req;
    for (std::string& id : ids) req.add_device_ids(std::move(id));
    presence::v1::BatchGetPresenceResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(ctx, options_.deadline);
    grpc::Status st = stub_->BatchGetPresence(&ctx, req, &resp);
    if (!st.ok()) return status::FromGrpc(st);
    return resp;
  };
  for (size_t wave = 0; wave < device_ids.size(); wave += batch * options_.parallel) {
    std::vector<std::future<absl::StatusOr<presence::v1::BatchGetPresenceResponse>>> calls;
    for (size_t i = wave; i < device_ids.size() && i < wave + batch * options_.parallel; i += batch) {
      const size_t end = std::min(device_ids.size(), i + batch);
      calls.push_back(std::async(std::launch::async, call,
                                 std::vector<std::string>(device_ids.begin() + i, device_ids.begin() + end)));
    }
    absl::Status first_error;
    for (auto& f : calls) {
      absl::StatusOr<presence::v1::BatchGetPresenceResponse> resp = f.get();
      if (!resp.ok()) {
        if (first_error.ok()) first_error = resp.status();
        continue;
      }
      for (const presence::v1::Presence& p : resp->presences()) {
        DevicePresence d;
        d.online = p.state() == presence::v1::ONLINE;
        d.firmware_version = p.board().firmware_version();
        out[p.device_id()] = std::move(d);
      }
    }
    if (!first_error.ok()) return first_error;
  }
  return out;
}

absl::StatusOr<std::vector<TargetDevice>> GrpcDeviceDirectory::Resolve(const Targets& targets) {
  std::vector<TargetDevice> out;
  if (targets.label_filter.empty()) {
    std::map<std::string, std::string> models;
    for (size_t i = 0; i < targets.device_ids.size(); i += 1000) {
      config::v1::BatchGetDevicesRequest req;
      for (size_t j = i; j < std::min(targets.device_ids.size(), i + 1000); ++j) {
        req.add_names(targets.device_ids[j]);
      }
      config::v1::BatchGetDevicesResponse resp;
      grpc::ClientContext ctx;
      SetDeadline(ctx, options_.deadline);
      grpc::Status st = stub_->BatchGetDevices(&ctx, req, &resp);
      if (!st.ok()) return status::FromGrpc(st);
      for (const config::v1::Device& d : resp.devices()) models[d.id()] = d.model();
    }
    for (const std::string& id : targets.device_ids) {
      auto it = models.find(id);
      out.push_back({id, it == models.end() ? "" : it->second});
    }
    return out;
  }
  std::string token;
  do {
    config::v1::ListDevicesRequest req;
    req.set_filter(targets.label_filter);
    req.set_page_size(options_.page_size);
    req.set_page_token(token);
    config::v1::ListDevicesResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(ctx, options_.deadline);
    grpc::Status st = stub_->ListDevices(&ctx, req, &resp);
    if (!st.ok()) return status::FromGrpc(st);
    for (const config::v1::Device& d : resp.devices()) out.push_back({d.id(), d.model()});
    if (static_cast<int>(out.size()) > options_.max_devices) {
      return absl::ResourceExhaustedError("the label filter matches more devices than allowed");
    }
    token = resp.next_page_token();
  } while (!token.empty());
  return out;
}

}  // namespace fleet::task
