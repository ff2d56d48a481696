#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bff/auth/model.h"

namespace fleet::bff::auth {

// What a route requires of its caller.
enum class Permission {
  kPublic,         // no credential needed (health, metrics, sign-in)
  kAuthenticated,  // any valid credential (me, sign-out)
  kViewer,         // viewer, operator or admin; third-party keys with the route class in scope
  kOperator,       // operator or admin; third-party keys with the route class in scope
  kAdmin,          // admin only; never a third-party key
};

// How a route relates to devices, for API keys restricted to some devices.
enum class DeviceScope {
  kNone,       // not about devices (e.g. templates read): allowed for restricted keys
  kPathVar,    // about the device in the {device} path variable: checked against the key
  kFleetWide,  // about any/many devices (lists, imports, tunnels by id): denied to restricted keys
};

// One row of the access policy: a route template as registered with the Router, its method,
// the permission it needs, its route class (the unit of API key scopes and of rate limits)
// and its device scope.
struct PolicyEntry {
  std::string method;
  std::string pattern;
  Permission permission;
  std::string route_class;
  DeviceScope device = DeviceScope::kNone;
};

// THE access policy of the BFF: every route the Api registers must have exactly one entry
// (policy_test and the Api's startup check enforce it). Immutable; thread-safe.
const std::vector<PolicyEntry>& Policy();

// The entry for a registered (method, pattern); HEAD uses the GET entry. nullptr when absent.
const PolicyEntry* FindPolicy(const std::string& method, const std::string& pattern);

// Every route class and the permission its routes need (the highest among them).
const std::map<std::string, Permission>& RouteClasses();

// Whether a route class may be put in an API key's scope (not admin-only, not "system").
bool GrantableToKeys(const std::string& route_class);

// Labels of a device, for keys scoped by device labels. NOT_FOUND when the device is unknown.
using DeviceLabelLookup = std::function<absl::StatusOr<std::map<std::string, std::string>>(const std::string&)>;

// Whether `who` may call the route of `entry` with path variables `vars`. OK, or
// PERMISSION_DENIED with reason AUTH_FORBIDDEN (metadata: route_class, role, and why); an error
// of `labels` other than NOT_FOUND is returned as is (e.g. UNAVAILABLE). `labels` may be null
// (label-scoped keys are then denied). Thread-safe.
absl::Status Authorize(const PolicyEntry& entry, const Principal& who, const std::map<std::string, std::string>& vars,
                       const DeviceLabelLookup* labels);

// The route classes `who` may call at all (ignoring device scopes), sorted.
std::vector<std::string> AllowedClasses(const Principal& who);

}  // namespace fleet::bff::auth
