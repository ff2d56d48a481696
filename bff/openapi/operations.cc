// The documentation table of /openapi.json: one entry per route of the BFF's router.
#include "bff/openapi/openapi.h"

namespace fleet::bff::openapi {
namespace {

Param PathP(const char* name, const char* description, const char* type = "string") {
  return {name, "path", type, true, description};
}
Param Query(const char* name, const char* description, const char* type = "string", bool required = false) {
  return {name, "query", type, required, description};
}
Param Header(const char* name, const char* description) { return {name, "header", "string", false, description}; }

const Param kDevice = PathP("device", "device id, e.g. gw-1 (may contain ':')");
const Param kTunnel = PathP("tunnel", "tunnel id");
const Param kUser = PathP("user", "user id");
const Param kKey = PathP("key", "API key id");
const Param kArtifact = PathP("artifact", "artifact id");
const Param kCampaign = PathP("campaign", "campaign id");
const Param kPageSize = Query("page_size", "maximum results per page (0 or absent = the server default)", "integer");
const Param kPageToken = Query("page_token", "nextPageToken of the previous page");
const Param kIfMatch = Header("If-Match", "etag (devices) or revision (templates) the write expects");

constexpr char kBackendErrors[] = "503 BACKEND_UNAVAILABLE when a service is down; 504 DEADLINE_EXCEEDED.";
constexpr char kCommandErrors[] =
    "400 INVALID_FIELD (body or device id); 404 PRESENCE_NOT_FOUND (never seen device); "
    "503 DEVICE_OFFLINE (nothing sent), CIRCUIT_OPEN (too many recent failures; Retry-After), "
    "DEVICE_COMMAND_FAILED; 400 DEVICE_REJECTED_COMMAND (the device refused); 504 DEVICE_TIMEOUT; "
    "429 RATE_LIMITED (per-device command limit; Retry-After).";

std::vector<Operation> Build() {
  std::vector<Operation> ops = {
      // System.
      {"GET", "/healthz", "getHealth", "system", "Liveness", "", {}, "", "", true, "Health"},
      {"GET", "/readyz", "getReadiness", "system", "Readiness of every backend", "503 when a configured backend is down.",
       {}, "", "", true, "Readiness"},
      {"GET", "/metrics", "getMetrics", "system", "Prometheus metrics", "", {}, "", "", true,
       R"({"type": "string"})", "text/plain"},
      {"GET", "/", "getConsole", "system", "The operator console (HTML)", "", {}, "", "", true, R"({"type": "string"})",
       "text/html"},
      {"GET", "/assets/{file}", "getConsoleAsset", "system", "A static file of the operator console", "",
       {PathP("file", "file name")}, "", "", true, R"({"type": "string", "format": "binary"})", "application/octet-stream"},
      {"GET", "/openapi.json", "getOpenApi", "system", "This OpenAPI document", "", {}, "", "", true,
       "OpenApiDocument"},
      // Sessions.
      {"POST", "/v1/sessions", "signIn", "sessions", "Sign in; sets the fleet_session cookie",
       "401 AUTH_BAD_CREDENTIALS; 400 AUTH_DISABLED when the BFF runs without authentication.", {}, "SignInRequest", "",
       true, "SignInResponse"},
      {"DELETE", "/v1/sessions/current", "signOut", "sessions", "Sign out (ends the session of the cookie)",
       "400 NOT_A_SESSION when called with an API key.", {}, "", "", true, "Empty"},
      {"GET", "/v1/me", "getMe", "sessions", "The caller: role, scope and the route classes it may call", "", {}, "", "",
       true, "Me"},
      // Devices.
      {"POST", "/v1/devices", "createDevice", "devices", "Register a device",
       "409 DEVICE_ALREADY_EXISTS; 400 INVALID_FIELD.",
       {Query("device_id", "the new device's id (or `id` in the body)")}, "Device", "", true, "Device"},
      {"GET", "/v1/devices", "listDevices", "devices", "List devices (AIP-132)",
       "400 INVALID_FILTER, INVALID_PAGE_TOKEN.",
       {kPageSize, kPageToken, Query("filter", "AIP-160 subset, e.g. model=\"x1\" AND labels.site=north"),
        Query("order_by", "e.g. \"id desc\"")},
       "", "", true, "ListDevicesResponse"},
      {"GET", "/v1/devices/{device}", "getDevice", "devices", "Get a device", "404 DEVICE_NOT_FOUND.", {kDevice}, "", "",
       true, "Device"},
      {"PATCH", "/v1/devices/{device}", "updateDevice", "devices", "Update a device (AIP-134)",
       "404 DEVICE_NOT_FOUND; 409 DEVICE_ETAG_MISMATCH.",
       {kDevice, Query("update_mask", "comma-separated fields, e.g. displayName,labels.site"), kIfMatch}, "Device", "",
       true, "Device"},
      {"DELETE", "/v1/devices/{device}", "deleteDevice", "devices", "Delete a device",
       "404 DEVICE_NOT_FOUND; 409 DEVICE_ETAG_MISMATCH.", {kDevice, Query("etag", "expected etag"), kIfMatch}, "", "",
       true, "Empty"},
      {"POST", "/v1/devices:batchGet", "batchGetDevicesPost", "devices", "Get many devices (names in the body)",
       "400 INVALID_FIELD names.", {}, "BatchGetDevicesRequest", "", true, "BatchGetDevicesResponse"},
      {"GET", "/v1/devices:batchGet", "batchGetDevices", "devices", "Get many devices (AIP-231)",
       "400 INVALID_FIELD names.",
       {{"names", "query", "string", true, "device names (devices/{id}); repeat or comma-separate", true}}, "", "", true,
       "BatchGetDevicesResponse"},
      {"POST", "/v1/devices:import", "importDevices", "devices", "Import devices from CSV or JSON lines (all or nothing)",
       "400 IMPORT_ROWS_INVALID (metadata lists the rows), IMPORT_FORMAT_INVALID, INVALID_FIELD Content-Type.",
       {Query("validate_only", "check without creating", "boolean")}, R"({"type": "string"})", "text/csv,application/x-ndjson", true,
       "ImportDevicesResponse"},
      {"GET", "/v1/devices/{device}:overview", "getDeviceOverview", "devices",
       "Device, presence and config summary in one call (parallel fan-out)",
       "404 DEVICE_NOT_FOUND; a failed presence/config part is reported in presenceError/configError.", {kDevice}, "",
       "", true, "DeviceOverview"},
      // Presence.
      {"GET", "/v1/devices/{device}/presence", "getPresence", "presence", "Online state of a device",
       "404 PRESENCE_NOT_FOUND.", {kDevice}, "", "", true, "Presence"},
      {"GET", "/v1/devices/{device}/presence/history", "listPresenceHistory", "presence",
       "Presence transitions of a device, newest first (page_size default 50, max 500)",
       "404 PRESENCE_NOT_FOUND (never seen); 400 INVALID_FIELD (page_size, start_time), INVALID_PAGE_TOKEN.",
       {kDevice, kPageSize, kPageToken,
        Query("start_time", "RFC 3339; only transitions at or after it (also accepted as startTime; likewise "
                            "pageSize, pageToken)")},
       "", "", true,
       R"({"type": "object", "properties": {"transitions": {"type": "array", "items": {"type": "object",)"
       R"( "properties": {"state": {"type": "string", "enum": ["ONLINE", "OFFLINE"]},)"
       R"( "time": {"type": "string", "format": "date-time"},)"
       R"( "reason": {"type": "string", "description": "uplink: came online; timeout: swept offline"},)"
       R"( "lastSeenTime": {"type": "string", "format": "date-time"}, "transitionId": {"type": "string"}}}},)"
       R"( "nextPageToken": {"type": "string"}}})"},
      {"GET", "/v1/presence", "listPresence", "presence", "List presence",
       "400 INVALID_FILTER, INVALID_PAGE_TOKEN.", {Query("filter", "state=ONLINE or state=OFFLINE (also online/offline); empty = all"), kPageSize, kPageToken}, "", "",
       true, "ListPresenceResponse"},
      // Configuration.
      {"GET", "/v1/devices/{device}/config", "getDeviceConfig", "config", "Desired, reported and effective config",
       "404 DEVICE_NOT_FOUND.", {kDevice}, "", "", true, "DeviceConfig"},
      {"POST", "/v1/devices/{device}/config:apply", "applyConfig", "config", "Set a new desired config version",
       "400 CONFIG_INVALID; 409 CONFIG_VERSION_MISMATCH (expectedVersion).", {kDevice}, "ApplyConfigRequest", "",
       true, "ConfigVersion"},
      {"POST", "/v1/devices/{device}/config:rollback", "rollbackConfig", "config",
       "Make an old version's body the new desired version",
       "404 CONFIG_VERSION_NOT_FOUND; 409 CONFIG_VERSION_MISMATCH.", {kDevice}, "RollbackConfigRequest", "", true,
       "ConfigVersion"},
      {"GET", "/v1/devices/{device}/config:diff", "diffConfig", "config", "Diff two config versions",
       "404 CONFIG_VERSION_NOT_FOUND.",
       {kDevice, Query("from", "version", "integer", true), Query("to", "version", "integer", true)}, "", "", true,
       "ConfigDiff"},
      {"GET", "/v1/devices/{device}/config/versions", "listConfigVersions", "config", "Config history, newest first",
       "400 INVALID_PAGE_TOKEN.", {kDevice, kPageSize, kPageToken}, "", "", true, "ListConfigVersionsResponse"},
      {"GET", "/v1/devices/{device}/config/versions:diff", "diffConfigVersions", "config",
       "Diff two config versions (same as config:diff)", "404 CONFIG_VERSION_NOT_FOUND.",
       {kDevice, Query("from", "version", "integer", true), Query("to", "version", "integer", true)}, "", "", true,
       "ConfigDiff"},
      {"GET", "/v1/devices/{device}/config/versions/{version}", "getConfigVersion", "config", "One config version",
       "404 CONFIG_VERSION_NOT_FOUND.", {kDevice, PathP("version", "version number", "integer")}, "", "", true,
       "ConfigVersion"},
      {"GET", "/v1/configTemplates", "listConfigTemplates", "config", "Every config template", "", {}, "", "", true,
       "ListConfigTemplatesResponse"},
  };
  // Templates: one route per name shape.
  struct Shape {
    const char* path;
    const char* id;
    std::vector<Param> params;
  };
  const Shape shapes[] = {
      {"/v1/configTemplates/global", "GlobalTemplate", {}},
      {"/v1/configTemplates/groups/{group}", "GroupTemplate", {PathP("group", "device group")}},
      {"/v1/configTemplates/labels/{label}", "LabelTemplate", {PathP("label", "label as key=value")}},
  };
  for (const Shape& s : shapes) {
    std::vector<Param> put = s.params, del = s.params;
    put.push_back(kIfMatch);
    del.push_back(Query("expected_revision", "revision the delete expects", "integer"));
    del.push_back(kIfMatch);
    ops.push_back({"GET", s.path, std::string("get") + s.id, "config", "Get a config template",
                   "404 TEMPLATE_NOT_FOUND.", s.params, "", "", true, "ConfigTemplate"});
    ops.push_back({"PUT", s.path, std::string("put") + s.id, "config", "Create or replace a config template",
                   "400 CONFIG_INVALID; 409 TEMPLATE_REVISION_MISMATCH.", put, "PutConfigTemplateRequest", "", true,
                   "ConfigTemplate"});
    ops.push_back({"DELETE", s.path, std::string("delete") + s.id, "config", "Delete a config template",
                   "404 TEMPLATE_NOT_FOUND; 409 TEMPLATE_REVISION_MISMATCH.", del, "", "", true, "Empty"});
  }
  std::vector<Operation> rest = {
      // Tunnels.
      {"POST", "/v1/devices/{device}/tunnels", "openTunnel", "tunnels", "Open a remote-access tunnel to a device",
       "400 TUNNEL_UNKNOWN_SERVICE, TUNNEL_TTL_CAP; 429/409 TUNNEL_OPERATOR_CAP; 503 TUNNEL_PORTS_EXHAUSTED.",
       {kDevice}, "OpenTunnelRequest", "", false, "Session"},
      {"GET", "/v1/tunnels", "listTunnels", "tunnels", "List tunnel sessions", "400 INVALID_FIELD state.",
       {kPageSize, kPageToken, Query("device", "device id"), Query("operator", "operator id"),
        Query("state", "REQUESTED, OPEN, CLOSING, CLOSED, FAILED or EXPIRED")},
       "", "", true, "ListTunnelsResponse"},
      {"GET", "/v1/tunnels/{tunnel}", "getTunnel", "tunnels", "Get a tunnel session", "404 TUNNEL_NOT_FOUND.",
       {kTunnel}, "", "", true, "Session"},
      {"POST", "/v1/tunnels/{tunnel}:extend", "extendTunnel", "tunnels", "Extend a tunnel's expiry",
       "404 TUNNEL_NOT_FOUND; 400 TUNNEL_TTL_CAP; 409 TUNNEL_CLOSED.", {kTunnel}, "ExtendTunnelRequest", "", false,
       "Session"},
      {"POST", "/v1/tunnels/{tunnel}:close", "closeTunnel", "tunnels", "Close a tunnel",
       "404 TUNNEL_NOT_FOUND; 409 TUNNEL_INVALID_TRANSITION.", {kTunnel}, "CloseTunnelRequest", "", false, "Session"},
      {"GET", "/v1/devices/{device}/ssh", "openWebSsh", "tunnels",
       "Web SSH: a WebSocket terminal to the device's SSH server through its OPEN tunnel (answers 101 Switching "
       "Protocols). Messages: client {\"type\":\"auth\",\"username\",\"password\"|\"privateKey\"+"
       "\"passphrase\",\"cols\",\"rows\"} first; server {\"type\":\"ready\",\"fingerprint\",\"idleSeconds\","
       "\"maxSeconds\"} or {\"type\":\"error\",\"error\":{code,status,message,reason}}; then binary frames are "
       "terminal bytes both ways, client {\"type\":\"resize\",\"cols\",\"rows\"}, server "
       "{\"type\":\"closed\",\"reason\"} (IDLE_TIMEOUT, MAX_DURATION, REMOTE_CLOSED, TUNNEL_CLOSED, "
       "SERVER_SHUTDOWN) before closing",
       "400 SSH_PROTOCOL_ERROR (not a WebSocket upgrade), SSH_NOT_IN_TUNNEL (no ssh proxy); 403 SSH_ORIGIN_MISMATCH "
       "(a signed-in browser's Origin is not this host); 404 SSH_NO_TUNNEL; 429 SSH_SESSION_LIMIT. After the "
       "upgrade, in the error message: 401 SSH_AUTH_FAILED, 400 SSH_KEY_INVALID, 503 SSH_CONNECT_FAILED, "
       "SSH_CHANNEL_FAILED.",
       {kDevice}, "", "", true, R"({"type": "string"})", "text/plain"},
      // Camera.
      {"POST", "/v1/devices/{device}/camera:rotate", "rotateCamera", "camera", "Pan/tilt the camera", kCommandErrors,
       {kDevice}, "RotateRequest", "", true, "CameraCommandResult"},
      {"POST", "/v1/devices/{device}/camera:zoom", "zoomCamera", "camera", "Set the zoom level", kCommandErrors,
       {kDevice}, "ZoomRequest", "", true, "CameraCommandResult"},
      {"POST", "/v1/devices/{device}/camera:startStream", "startStream", "camera",
       "Start a live stream; idempotent while one is live (returns it, reused=true, sends nothing)",
       "409 STREAM_START_IN_PROGRESS (another request is starting it; Retry-After). Otherwise as every camera command: "
       + std::string(kCommandErrors),
       {kDevice}, "StartStreamRequest", "", false, "StreamResponse"},
      {"POST", "/v1/devices/{device}/camera:stopStream", "stopStream", "camera", "Stop the live stream", kCommandErrors,
       {kDevice}, "StopStreamRequest", "", false, "CameraCommandResult"},
      {"POST", "/v1/devices/{device}/camera:snapshot", "snapshot", "camera",
       "Take a snapshot (JSON with image_base64, or the PNG itself with Accept: image/png)", kCommandErrors,
       {kDevice, Header("Accept", "image/png for the raw image")}, "SnapshotRequest", "", false,
       "CameraCommandResult"},
      // Firmware and command campaigns (task service).
      {"POST", "/v1/artifacts", "createArtifact", "campaigns", "Register a firmware/MCU artifact",
       "409 TASK_ARTIFACT_EXISTS; 400 INVALID_FIELD.", {}, "Artifact", "", true, "Artifact"},
      {"GET", "/v1/artifacts", "listArtifacts", "campaigns", "List artifacts", "400 INVALID_PAGE_TOKEN.",
       {kPageSize, kPageToken}, "", "", true, "ListArtifactsResponse"},
      {"GET", "/v1/artifacts/{artifact}", "getArtifact", "campaigns", "Get an artifact", "404 TASK_ARTIFACT_NOT_FOUND.",
       {kArtifact}, "", "", true, "Artifact"},
      {"DELETE", "/v1/artifacts/{artifact}", "deleteArtifact", "campaigns", "Delete an unused artifact",
       "404 TASK_ARTIFACT_NOT_FOUND; 400 TASK_ARTIFACT_IN_USE.", {kArtifact}, "", "", true, "Empty"},
      {"POST", "/v1/campaigns", "createCampaign", "campaigns", "Create a rollout campaign",
       "400 TASK_NO_TARGETS, TASK_TOO_MANY_TARGETS, TASK_ARTIFACT_INCOMPATIBLE, INVALID_FIELD.", {},
       "CreateCampaignRequest", "", true, "Campaign"},
      {"GET", "/v1/campaigns", "listCampaigns", "campaigns", "List campaigns", "400 INVALID_FIELD state.",
       {Query("state", "SCHEDULED, RUNNING, PAUSED, COMPLETED or CANCELED"), kPageSize, kPageToken}, "", "", true,
       "ListCampaignsResponse"},
      {"GET", "/v1/campaigns/{campaign}", "getCampaign", "campaigns", "Get a campaign", "404 TASK_CAMPAIGN_NOT_FOUND.",
       {kCampaign}, "", "", true, "Campaign"},
      {"POST", "/v1/campaigns/{campaign}:pause", "pauseCampaign", "campaigns", "Pause a campaign",
       "404 TASK_CAMPAIGN_NOT_FOUND; 400 TASK_INVALID_STATE_TRANSITION.", {kCampaign}, "CampaignControlRequest", "",
       false, "Campaign"},
      {"POST", "/v1/campaigns/{campaign}:resume", "resumeCampaign", "campaigns", "Resume a paused campaign",
       "404 TASK_CAMPAIGN_NOT_FOUND; 400 TASK_INVALID_STATE_TRANSITION.", {kCampaign}, "CampaignControlRequest", "",
       false, "Campaign"},
      {"POST", "/v1/campaigns/{campaign}:cancel", "cancelCampaign", "campaigns", "Cancel a campaign",
       "404 TASK_CAMPAIGN_NOT_FOUND; 400 TASK_INVALID_STATE_TRANSITION.", {kCampaign}, "CampaignControlRequest", "",
       false, "Campaign"},
      {"GET", "/v1/campaigns/{campaign}/executions", "listExecutions", "campaigns", "Per-device executions of a campaign",
       "404 TASK_CAMPAIGN_NOT_FOUND; 400 INVALID_FIELD state.",
       {kCampaign, Query("state", "an execution state, e.g. FAILED"), kPageSize, kPageToken}, "", "", true,
       "ListExecutionsResponse"},
      {"GET", "/v1/campaigns/{campaign}/batches", "listCampaignBatches", "campaigns",
       "Per-batch progress of a campaign (by batch index)", "404 TASK_CAMPAIGN_NOT_FOUND; 400 INVALID_FIELD page_token.",
       {kCampaign, kPageSize, kPageToken}, "", "", true, "ListCampaignBatchesResponse"},
      {"GET", "/v1/devices/{device}/executions", "listDeviceExecutions", "campaigns", "A device's executions",
       "400 INVALID_PAGE_TOKEN.", {kDevice, kPageSize, kPageToken}, "", "", true, "ListExecutionsResponse"},
      {"GET", "/v1/campaigns/{campaign}/timeline", "getCampaignTimeline", "campaigns", "A campaign's event timeline",
       "404 TASK_CAMPAIGN_NOT_FOUND.", {kCampaign, Query("device", "only this device"), kPageSize, kPageToken}, "", "",
       true, "GetTimelineResponse"},
      {"GET", "/v1/devices/{device}/timeline", "getDeviceTimeline", "campaigns", "A device's campaign timeline", "",
       {kDevice, kPageSize, kPageToken}, "", "", true, "GetTimelineResponse"},
      // Access administration.
      {"GET", "/v1/users", "listUsers", "access", "List users", "", {}, "", "", true, "ListUsersResponse"},
      {"POST", "/v1/users", "createUser", "access", "Create a user", "409 USER_ALREADY_EXISTS; 400 INVALID_FIELD.", {},
       "CreateUserRequest", "", true, "User"},
      {"GET", "/v1/users/{user}", "getUser", "access", "Get a user", "404 USER_NOT_FOUND.", {kUser}, "", "", true,
       "User"},
      {"PATCH", "/v1/users/{user}", "updateUser", "access", "Update a user (ends its sessions on password/role change)",
       "404 USER_NOT_FOUND; 400 INVALID_FIELD.", {kUser}, "UpdateUserRequest", "", true, "User"},
      {"DELETE", "/v1/users/{user}", "deleteUser", "access", "Delete a user",
       "404 USER_NOT_FOUND; 400 CANNOT_DELETE_SELF.", {kUser}, "", "", true, "Empty"},
      {"GET", "/v1/apiKeys", "listApiKeys", "access", "List API keys", "", {kPageSize, kPageToken}, "", "", true,
       "ListApiKeysResponse"},
      {"POST", "/v1/apiKeys", "createApiKey", "access", "Create an API key (the secret is shown once)",
       "400 INVALID_FIELD (scope, rateLimits, expiry).", {}, "CreateApiKeyRequest", "", true, "ApiKeyWithSecret"},
      {"GET", "/v1/apiKeys/{key}", "getApiKey", "access", "Get an API key (never its secret)", "404 API_KEY_NOT_FOUND.",
       {kKey}, "", "", true, "ApiKey"},
      {"POST", "/v1/apiKeys/{key}:revoke", "revokeApiKey", "access", "Revoke an API key", "404 API_KEY_NOT_FOUND.",
       {kKey}, R"({"type": "object", "additionalProperties": false})", "", false, "ApiKey"},
      {"POST", "/v1/apiKeys/{key}:rotate", "rotateApiKey", "access",
       "Create a replacement key with the same scope and revoke this one", "404 API_KEY_NOT_FOUND; 400 API_KEY_REVOKED.",
       {kKey}, R"({"type": "object", "additionalProperties": false})", "", false, "ApiKeyWithSecret"},
      {"GET", "/v1/apiKeys/{key}/calls", "listApiKeyCalls", "access", "The key's call log, newest first",
       "404 API_KEY_NOT_FOUND; 400 INVALID_PAGE_TOKEN.", {kKey, kPageSize, kPageToken}, "", "", true,
       "ListApiKeyCallsResponse"},
      {"GET", "/v1/auditLogs", "listAuditLogs", "access", "The audit log of writes, newest first",
       "400 INVALID_PAGE_TOKEN.", {Query("actor", "only this actor"), kPageSize, kPageToken}, "", "", true,
       "ListAuditLogsResponse"},
  };
  ops.insert(ops.end(), rest.begin(), rest.end());
  for (Operation& op : ops) {
    if (op.request_type.empty()) op.request_type = "application/json";
    if (op.response_type.empty()) op.response_type = "application/json";
    if (op.errors.empty() && op.path.rfind("/v1/", 0) == 0) op.errors = kBackendErrors;
  }
  return ops;
}

}  // namespace

const std::vector<Operation>& Operations() {
  static const auto* ops = new std::vector<Operation>(Build());
  return *ops;
}

}  // namespace fleet::bff::openapi
