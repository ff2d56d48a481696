#pragma once

#include <memory>

#include "absl/time/time.h"
#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "fleet/presence/v1/presence.grpc.pb.h"
#include "services/task/domain/ports.h"

// The task service's gRPC clients of the other services. Thread-safe.
namespace fleet::task {

struct PresenceClientOptions {
  int batch = 1000;                          // device ids per BatchGetPresence (its maximum)
  int parallel = 8;                          // calls in flight at once
  absl::Duration deadline = absl::Seconds(5);
};

// PresenceSource over device-online's BatchGetPresence: splits the ids into batches and asks in
// parallel. Devices device-online never saw are absent from the answer (= offline).
// Errors: the first failed call's status (UNAVAILABLE when device-online is down).
class GrpcPresenceSource : public PresenceSource {
 public:
  GrpcPresenceSource(std::shared_ptr<presence::v1::DeviceOnline::StubInterface> stub,
                     PresenceClientOptions options = {})
      : stub_(std::move(stub)), options_(options) {}

  absl::StatusOr<std::map<std::string, DevicePresence>> Lookup(
      const std::vector<std::string>& device_ids) override;

 private:
  std::shared_ptr<presence::v1::DeviceOnline::StubInterface> stub_;
  const PresenceClientOptions options_;
};

struct DirectoryClientOptions {
  int page_size = 1000;
  int max_devices = 200'000;  // RESOURCE_EXHAUSTED beyond (a filter matching the whole fleet)
  absl::Duration deadline = absl::Seconds(10);
};

// DeviceDirectory over device-config's DeviceRegistry: explicit ids through BatchGetDevices
// (for their models; unknown ids keep an empty model), label filters through ListDevices pages.
class GrpcDeviceDirectory : public DeviceDirectory {
 public:
  GrpcDeviceDirectory(std::shared_ptr<config::v1::DeviceRegistry::StubInterface> stub,
                      DirectoryClientOptions options = {})
      : stub_(std::move(stub)), options_(options) {}

  absl::StatusOr<std::vector<TargetDevice>> Resolve(const Targets& targets) override;

 private:
  std::shared_ptr<config::v1::DeviceRegistry::StubInterface> stub_;
  const DirectoryClientOptions options_;
};

}  // namespace fleet::task
