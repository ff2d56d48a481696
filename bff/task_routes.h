#pragma once

#include "absl/time/time.h"
#include "bff/router.h"
#include "bff/task_backend.h"

namespace fleet::bff {

// Firmware / MCU / command campaigns (the task service):
//   /v1/artifacts (POST, GET), /v1/artifacts/{artifact} (GET, DELETE)
//   /v1/campaigns (POST, GET ?state=), /v1/campaigns/{campaign} (GET),
//   /v1/campaigns/{campaign}:pause|:resume|:cancel (POST)
//   /v1/campaigns/{campaign}/executions?state= , /v1/devices/{device}/executions (GET, paged)
//   /v1/campaigns/{campaign}/batches (GET, paged: per-batch progress)
//   /v1/campaigns/{campaign}/timeline?device= , /v1/devices/{device}/timeline (GET, paged)
// Bodies are the service's messages in JSON; the operator is the signed-in caller
// (kOperatorHeader). Thread-safe; the backend must outlive it.
class TaskRoutes {
 public:
  TaskRoutes(TaskBackend& tasks, absl::Duration timeout) : tasks_(tasks), timeout_(timeout) {}
  void Register(Router& router);

 private:
  http::Response CreateArtifact(const http::Request& r);
  http::Response GetArtifact(const http::Request& r, const std::string& id);
  http::Response ListArtifacts(const http::Request& r);
  http::Response DeleteArtifact(const http::Request& r, const std::string& id);
  http::Response CreateCampaign(const http::Request& r);
  http::Response GetCampaign(const http::Request& r, const std::string& id);
  http::Response ListCampaigns(const http::Request& r);
  http::Response Control(const http::Request& r, const std::string& id, const std::string& verb);
  http::Response ListExecutions(const http::Request& r, const std::string& campaign);
  http::Response ListBatches(const http::Request& r, const std::string& campaign);
  http::Response ListDeviceExecutions(const http::Request& r, const std::string& device);
  http::Response Timeline(const http::Request& r, const std::string& campaign, const std::string& device);

  TaskBackend& tasks_;
  const absl::Duration timeout_;
};

}  // namespace fleet::bff
