#pragma once

#include <string>

#include "absl/time/time.h"
#include "bff/config_backend.h"
#include "bff/router.h"

namespace fleet::bff {

// The versioned-configuration routes of device-config (AIP-style): a device's desired, reported
// and effective config; apply, rollback, version history and diff; config templates. Config
// documents travel as JSON objects ("config" in requests and responses; the service's body_json
// text, numbers verbatim). Writes need the X-Fleet-Operator header (interim rule, http_util.h).
// Thread-safe; the backend must outlive it.
class ConfigRoutes {
 public:
  ConfigRoutes(ConfigBackend& config, absl::Duration timeout) : config_(config), timeout_(timeout) {}

  // Adds every route to `router` (handlers capture `this`).
  void Register(Router& router);

 private:
  http::Response GetConfig(const http::Request& r, const std::string& device);
  http::Response Apply(const http::Request& r, const std::string& device);
  http::Response Rollback(const http::Request& r, const std::string& device);
  http::Response ListVersions(const http::Request& r, const std::string& device);
  http::Response GetVersion(const http::Request& r, const std::string& device, const std::string& version);
  http::Response Diff(const http::Request& r, const std::string& device);
  http::Response ListTemplates(const http::Request& r);
  http::Response GetTemplate(const http::Request& r, const std::string& name);
  http::Response PutTemplate(const http::Request& r, const std::string& name);
  http::Response DeleteTemplate(const http::Request& r, const std::string& name);

  ConfigBackend& config_;
  const absl::Duration timeout_;
};

// A device's config as the BFF renders it: {"name", "desired": {version, config, author, comment,
// createTime}, "reported": {version, status, hash, time?}, "effectiveConfig", "effectiveHash",
// "inSync", "templates"}. int64 values are strings (proto3 JSON).
std::string DeviceConfigJson(const config::v1::DeviceConfig& c);

// The device page's summary: {"desiredVersion", "reportedVersion", "reportedStatus", "inSync"}.
std::string ConfigSummaryJson(const config::v1::DeviceConfig& c);

}  // namespace fleet::bff
