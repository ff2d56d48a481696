#include "bff/auth/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::bff::auth {
namespace {

using P = Permission;
using D = DeviceScope;

std::vector<PolicyEntry> BuildPolicy() {
  return {
      // System (unauthenticated for now).
      {"GET", "/healthz", P::kPublic, "system"},
      {"GET", "/readyz", P::kPublic, "system"},
      {"GET", "/metrics", P::kPublic, "system"},
      {"GET", "/openapi.json", P::kPublic, "system"},
      // The operator console's static files (the API behind it enforces access).
      {"GET", "/", P::kPublic, "system"},
      {"GET", "/assets/{file}", P::kPublic, "system"},
      // Sessions and the caller itself.
      {"POST", "/v1/sessions", P::kPublic, "session"},
      {"DELETE", "/v1/sessions/current", P::kAuthenticated, "session"},
      {"GET", "/v1/me", P::kAuthenticated, "session"},
      // Devices (registry).
      {"POST", "/v1/devices", P::kOperator, "devices.write", D::kFleetWide},
      {"GET", "/v1/devices", P::kViewer, "devices.read", D::kFleetWide},
      {"GET", "/v1/devices/{device}", P::kViewer, "devices.read", D::kPathVar},
      {"PATCH", "/v1/devices/{device}", P::kOperator, "devices.write", D::kPathVar},
      {"DELETE", "/v1/devices/{device}", P::kAdmin, "devices.delete", D::kPathVar},
      {"POST", "/v1/devices:batchGet", P::kViewer, "devices.read", D::kFleetWide},
      {"GET", "/v1/devices:batchGet", P::kViewer, "devices.read", D::kFleetWide},
      {"POST", "/v1/devices:import", P::kOperator, "devices.write", D::kFleetWide},
      {"GET", "/v1/devices/{device}:overview", P::kViewer, "devices.read", D::kPathVar},
      // Presence.
      {"GET", "/v1/devices/{device}/presence", P::kViewer, "presence.read", D::kPathVar},
      {"GET", "/v1/devices/{device}/presence/history", P::kViewer, "presence.read", D::kPathVar},
      {"GET", "/v1/presence", P::kViewer, "presence.read", D::kFleetWide},
      // Configuration.
      {"GET", "/v1/devices/{device}/config", P::kViewer, "config.read", D::kPathVar},
      {"POST", "/v1/devices/{device}/config:apply", P::kOperator, "config.write", D::kPathVar},
      {"POST", "/v1/devices/{device}/config:rollback", P::kOperator, "config.write", D::kPathVar},
      {"GET", "/v1/devices/{device}/config:diff", P::kViewer, "config.read", D::kPathVar},
      {"GET", "/v1/devices/{device}/config/versions", P::kViewer, "config.read", D::kPathVar},
      {"GET", "/v1/devices/{device}/config/versions:diff", P::kViewer, "config.read", D::kPathVar},
      {"GET", "/v1/devices/{device}/config/versions/{version}", P::kViewer, "config.read", D::kPathVar},
      {"GET", "/v1/configTemplates", P::kViewer, "config.read"},
      {"GET", "/v1/configTemplates/global", P::kViewer, "config.read"},
      {"PUT", "/v1/configTemplates/global", P::kOperator, "config.write", D::kFleetWide},
      {"DELETE", "/v1/configTemplates/global", P::kOperator, "config.write", D::kFleetWide},
      {"GET", "/v1/configTemplates/groups/{group}", P::kViewer, "config.read"},
      {"PUT", "/v1/configTemplates/groups/{group}", P::kOperator, "config.write", D::kFleetWide},
      {"DELETE", "/v1/configTemplates/groups/{group}", P::kOperator, "config.write", D::kFleetWide},
      {"GET", "/v1/configTemplates/labels/{label}", P::kViewer, "config.read"},
      {"PUT", "/v1/configTemplates/labels/{label}", P::kOperator, "config.write", D::kFleetWide},
      {"DELETE", "/v1/configTemplates/labels/{label}", P::kOperator, "config.write", D::kFleetWide},
      // Tunnels.
      {"POST", "/v1/devices/{device}/tunnels", P::kOperator, "tunnels.write", D::kPathVar},
      {"GET", "/v1/tunnels", P::kViewer, "tunnels.read", D::kFleetWide},
      {"GET", "/v1/tunnels/{tunnel}", P::kViewer, "tunnels.read", D::kFleetWide},
      {"POST", "/v1/tunnels/{tunnel}:extend", P::kOperator, "tunnels.write", D::kFleetWide},
      {"POST", "/v1/tunnels/{tunnel}:close", P::kOperator, "tunnels.write", D::kFleetWide},
      // Web SSH (a WebSocket) through the device's open tunnel: as opening a tunnel.
      {"GET", "/v1/devices/{device}/ssh", P::kOperator, "tunnels.write", D::kPathVar},
      // Live camera commands.
      {"POST", "/v1/devices/{device}/camera:rotate", P::kOperator, "camera", D::kPathVar},
      {"POST", "/v1/devices/{device}/camera:zoom", P::kOperator, "camera", D::kPathVar},
      {"POST", "/v1/devices/{device}/camera:startStream", P::kOperator, "camera", D::kPathVar},
      {"POST", "/v1/devices/{device}/camera:stopStream", P::kOperator, "camera", D::kPathVar},
      {"POST", "/v1/devices/{device}/camera:snapshot", P::kOperator, "camera", D::kPathVar},
      // Firmware campaigns (task service). Artifacts are admin-only to change.
      {"POST", "/v1/artifacts", P::kAdmin, "artifacts.admin"},
      {"GET", "/v1/artifacts", P::kViewer, "campaigns.read", D::kFleetWide},
      {"GET", "/v1/artifacts/{artifact}", P::kViewer, "campaigns.read", D::kFleetWide},
      {"DELETE", "/v1/artifacts/{artifact}", P::kAdmin, "artifacts.admin"},
      {"POST", "/v1/campaigns", P::kOperator, "campaigns.write", D::kFleetWide},
      {"GET", "/v1/campaigns", P::kViewer, "campaigns.read", D::kFleetWide},
      {"GET", "/v1/campaigns/{campaign}", P::kViewer, "campaigns.read", D::kFleetWide},
      {"POST", "/v1/campaigns/{campaign}:pause", P::kOperator, "campaigns.write", D::kFleetWide},
      {"POST", "/v1/campaigns/{campaign}:resume", P::kOperator, "campaigns.write", D::kFleetWide},
      {"POST", "/v1/campaigns/{campaign}:cancel", P::kOperator, "campaigns.write", D::kFleetWide},
      {"GET", "/v1/campaigns/{campaign}/executions", P::kViewer, "campaigns.read", D::kFleetWide},
      {"GET", "/v1/campaigns/{campaign}/batches", P::kViewer, "campaigns.read", D::kFleetWide},
      {"GET", "/v1/campaigns/{campaign}/timeline", P::kViewer, "campaigns.read", D::kFleetWide},
      {"GET", "/v1/devices/{device}/executions", P::kViewer, "campaigns.read", D::kPathVar},
      {"GET", "/v1/devices/{device}/timeline", P::kViewer, "campaigns.read", D::kPathVar},
      // Access administration.
      {"GET", "/v1/users", P::kAdmin, "access.admin"},
      {"POST", "/v1/users", P::kAdmin, "access.admin"},
      {"GET", "/v1/users/{user}", P::kAdmin, "access.admin"},
      {"PATCH", "/v1/users/{user}", P::kAdmin, "access.admin"},
      {"DELETE", "/v1/users/{user}", P::kAdmin, "access.admin"},
      {"GET", "/v1/apiKeys", P::kAdmin, "access.admin"},
      {"POST", "/v1/apiKeys", P::kAdmin, "access.admin"},
      {"GET", "/v1/apiKeys/{key}", P::kAdmin, "access.admin"},
      {"POST", "/v1/apiKeys/{key}:revoke", P::kAdmin, "access.admin"},
      {"POST", "/v1/apiKeys/{key}:rotate", P::kAdmin, "access.admin"},
      {"GET", "/v1/apiKeys/{key}/calls", P::kAdmin, "access.admin"},
      {"GET", "/v1/auditLogs", P::kAdmin, "access.admin"},
  };
}

int Rank(Permission p) {
  switch (p) {
    case P::kViewer: return 0;
    case P::kOperator: return 1;
    case P::kAdmin: return 2;
    default: return -1;
  }
}

int Rank(Role r) {
  switch (r) {
    case Role::kViewer: return 0;
    case Role::kOperator: return 1;
    case Role::kAdmin: return 2;
    default: return -1;
  }
}

absl::Status Forbidden(const PolicyEntry& e, const Principal& who, const std::string& why) {
  return status::MakeError(absl::StatusCode::kPermissionDenied, "AUTH_FORBIDDEN",
                           absl::StrCat(RoleName(who.role), " ", who.Actor(), " may not call ", e.method, " ",
                                        e.pattern, ": ", why),
                           {{"route_class", e.route_class}, {"role", RoleName(who.role)}});
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

absl::Status CheckDevice(const PolicyEntry& e, const Principal& who, const std::map<std::string, std::string>& vars,
                         const DeviceLabelLookup* labels) {
  const ApiKeyScope& s = who.scope;
  if (!s.device_restricted() || e.device == D::kNone) return absl::OkStatus();
  if (e.device == D::kFleetWide) return Forbidden(e, who, "the key is restricted to some devices");
  auto it = vars.find("device");
  if (it == vars.end()) return Forbidden(e, who, "no device in the path");
  const std::string& device = it->second;
  if (!s.device_ids.empty() && !Contains(s.device_ids, device)) {
    return Forbidden(e, who, absl::StrCat("device ", device, " is not in the key's scope"));
  }
  if (s.device_labels.empty()) return absl::OkStatus();
  if (labels == nullptr || !*labels) return Forbidden(e, who, "device labels cannot be checked");
  absl::StatusOr<std::map<std::string, std::string>> got = (*labels)(device);
  if (!got.ok()) {
    if (got.status().code() == absl::StatusCode::kNotFound) {
      return Forbidden(e, who, absl::StrCat("device ", device, " is not in the key's scope"));
    }
    return got.status();
  }
  for (const auto& [k, v] : s.device_labels) {
    auto l = got->find(k);
    if (l == got->end() || l->second != v) {
      return Forbidden(e, who, absl::StrCat("device ", device, " lacks label ", k, "=", v));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kOperator: return "operator";
    case Role::kViewer: return "viewer";
    case Role::kThirdParty: return "third_party";
  }
  return "viewer";
}

std::optional<Role> ParseRole(const std::string& name) {
  for (Role r : {Role::kAdmin, Role::kOperator, Role::kViewer, Role::kThirdParty}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

const std::vector<PolicyEntry>& Policy() {
  static const auto* policy = new std::vector<PolicyEntry>(BuildPolicy());
  return *policy;
}

const PolicyEntry* FindPolicy(const std::string& method, const std::string& pattern) {
  const std::string& m = method == "HEAD" ? std::string("GET") : method;
  for (const PolicyEntry& e : Policy()) {
    if (e.method == m && e.pattern == pattern) return &e;
  }
  return nullptr;
}

const std::map<std::string, Permission>& RouteClasses() {
  static const auto* classes = [] {
    auto* m = new std::map<std::string, Permission>();
    for (const PolicyEntry& e : Policy()) {
      auto [it, fresh] = m->emplace(e.route_class, e.permission);
      if (!fresh && e.permission > it->second) it->second = e.permission;
    }
    return m;
  }();
  return *classes;
}

bool GrantableToKeys(const std::string& route_class) {
  auto it = RouteClasses().find(route_class);
  return it != RouteClasses().end() && (it->second == P::kViewer || it->second == P::kOperator);
}

absl::Status Authorize(const PolicyEntry& e, const Principal& who, const std::map<std::string, std::string>& vars,
                       const DeviceLabelLookup* labels) {
  if (e.permission == P::kPublic || e.permission == P::kAuthenticated) return absl::OkStatus();
  if (who.role == Role::kThirdParty) {
    if (e.permission == P::kAdmin) return Forbidden(e, who, "admin only");
    if (!Contains(who.scope.route_classes, e.route_class)) {
      return Forbidden(e, who, absl::StrCat("route class ", e.route_class, " is not in the key's scope"));
    }
    return CheckDevice(e, who, vars, labels);
  }
  if (Rank(who.role) < Rank(e.permission)) {
    return Forbidden(e, who, e.permission == P::kAdmin ? "admin only" : "operator or admin only");
  }
  return absl::OkStatus();
}

std::vector<std::string> AllowedClasses(const Principal& who) {
  std::vector<std::string> out;
  for (const auto& [cls, perm] : RouteClasses()) {
    bool ok;
    if (perm == P::kPublic || perm == P::kAuthenticated) {
      ok = true;
    } else if (who.role == Role::kThirdParty) {
      ok = perm != P::kAdmin && Contains(who.scope.route_classes, cls);
    } else {
      ok = Rank(who.role) >= Rank(perm);
    }
    if (ok) out.push_back(cls);
  }
  return out;
}

}  // namespace fleet::bff::auth
