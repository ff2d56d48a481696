// Component schemas of /openapi.json, written to match what the handlers render: protos in their
// proto3 JSON mapping (lowerCamelCase; int64 as strings; enums by name; Timestamps RFC 3339;
// Durations like "3600s"), config bodies as raw JSON under "config".
#include "bff/openapi/openapi.h"

namespace fleet::bff::openapi {

const std::string& SchemasJson() {
  static const std::string* schemas = new std::string(R"json({
"Timestamp": {"type": "string", "format": "date-time", "example": "2026-11-22T23:00:00Z"},
"Int64": {"type": "string", "pattern": "^-?[0-9]+$", "description": "a 64-bit integer, as a string (proto3 JSON)"},
"Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$", "example": "3600s"},
"Empty": {"type": "object", "additionalProperties": false},
"ErrorInfo": {"type": "object", "required": ["@type", "reason", "domain", "metadata"], "properties": {
  "@type": {"type": "string", "enum": ["type.googleapis.com/google.rpc.ErrorInfo"]},
  "reason": {"type": "string", "description": "UPPER_SNAKE_CASE reason, e.g. INVALID_FIELD, DEVICE_OFFLINE, RATE_LIMITED"},
  "domain": {"type": "string", "example": "fleetd.io"},
  "metadata": {"type": "object", "additionalProperties": {"type": "string"},
    "description": "always request_id and trace_id; field for INVALID_FIELD; retry_after_seconds for retryable limits",
    "properties": {"request_id": {"type": "string"}, "trace_id": {"type": "string"}}}}},
"Error": {"type": "object", "required": ["error"], "description": "AIP-193 error", "properties": {
  "error": {"type": "object", "required": ["code", "message", "status"], "properties": {
    "code": {"type": "integer", "description": "the HTTP status"},
    "message": {"type": "string"},
    "status": {"type": "string", "description": "google.rpc.Code name, e.g. INVALID_ARGUMENT"},
    "details": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorInfo"}}}}}},
"Health": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}},
"Readiness": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ready", "not ready"]},
  "backends": {"type": "object", "additionalProperties": {"type": "string", "description": "OK, NOT_CONFIGURED or a status code name"}}}},
"Device": {"type": "object", "additionalProperties": false, "properties": {
  "name": {"type": "string", "readOnly": true, "example": "devices/gw-1"},
  "id": {"type": "string", "description": "set at create (or ?device_id=)"},
  "displayName": {"type": "string"}, "model": {"type": "string"}, "hardwareRevision": {"type": "string"},
  "labels": {"type": "object", "additionalProperties": {"type": "string"}},
  "group": {"type": "string"},
  "createTime": {"$ref": "#/components/schemas/Timestamp"}, "updateTime": {"$ref": "#/components/schemas/Timestamp"},
  "etag": {"type": "string", "description": "for optimistic concurrency (If-Match)"}}},
"ListDevicesResponse": {"type": "object", "properties": {
  "devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}}, "nextPageToken": {"type": "string"}}},
"BatchGetDevicesRequest": {"type": "object", "additionalProperties": false, "required": ["names"], "properties": {
  "names": {"type": "array", "items": {"type": "string", "example": "devices/gw-1"}}}},
"BatchGetDevicesResponse": {"type": "object", "properties": {
  "devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}},
  "missing": {"type": "array", "items": {"type": "string"}}}},
"ImportDevicesResponse": {"type": "object", "properties": {"createdCount": {"type": "integer"}, "rowCount": {"type": "integer"}}},
"BoardParameters": {"type": "object", "properties": {"cpuPercent": {"type": "number"}, "memPercent": {"type": "number"},
  "temperatureC": {"type": "number"}, "firmwareVersion": {"type": "string"}, "signalDbm": {"type": "integer"}}},
"Presence": {"type": "object", "properties": {
  "name": {"type": "string", "example": "devices/gw-1/presence"}, "deviceId": {"type": "string"},
  "state": {"type": "string", "enum": ["STATE_UNSPECIFIED", "ONLINE", "OFFLINE"]},
  "lastSeenTime": {"$ref": "#/components/schemas/Timestamp"}, "stateChangeTime": {"$ref": "#/components/schemas/Timestamp"},
  "board": {"$ref": "#/components/schemas/BoardParameters"}}},
"ListPresenceResponse": {"type": "object", "properties": {
  "presences": {"type": "array", "items": {"$ref": "#/components/schemas/Presence"}},
  "nextPageToken": {"type": "string"}, "totalSize": {"$ref": "#/components/schemas/Int64"}}},
"SyncState": {"type": "string", "enum": ["SYNC_STATE_UNSPECIFIED", "NO_CONFIG", "IN_SYNC", "PENDING", "FAILED"]},
"ConfigSummary": {"type": "object", "properties": {"desiredVersion": {"$ref": "#/components/schemas/Int64"},
  "reportedVersion": {"$ref": "#/components/schemas/Int64"}, "reportedStatus": {"type": "string"},
  "inSync": {"type": "boolean"}, "syncState": {"$ref": "#/components/schemas/SyncState"}}},
"DeviceOverview": {"type": "object", "required": ["device"], "description": "presence/config are absent when the device has none; *Error members say why a part is missing (degraded)", "properties": {
  "device": {"$ref": "#/components/schemas/Device"}, "presence": {"$ref": "#/components/schemas/Presence"},
  "presenceError": {"$ref": "#/components/schemas/ErrorBody"},
  "config": {"$ref": "#/components/schemas/ConfigSummary"}, "configError": {"$ref": "#/components/schemas/ErrorBody"}}},
"ErrorBody": {"type": "object", "description": "the `error` member of an AIP-193 Error", "properties": {
  "code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "string"},
  "details": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorInfo"}}}},
"ConfigVersion": {"type": "object", "properties": {
  "name": {"type": "string", "example": "devices/gw-1/config/versions/3"}, "version": {"$ref": "#/components/schemas/Int64"},
  "config": {"type": "object", "description": "the configuration document"},
  "author": {"type": "string"}, "comment": {"type": "string"}, "createTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListConfigVersionsResponse": {"type": "object", "properties": {
  "versions": {"type": "array", "items": {"$ref": "#/components/schemas/ConfigVersion"}}, "nextPageToken": {"type": "string"}}},
"DeviceConfig": {"type": "object", "properties": {
  "name": {"type": "string", "example": "devices/gw-1/config"},
  "desired": {"$ref": "#/components/schemas/ConfigVersion"},
  "reported": {"type": "object", "properties": {"version": {"$ref": "#/components/schemas/Int64"}, "status": {"type": "string"},
    "hash": {"type": "string"}, "time": {"$ref": "#/components/schemas/Timestamp"}}},
  "effectiveConfig": {"type": "object", "description": "desired merged over the templates"},
  "effectiveHash": {"type": "string"}, "inSync": {"type": "boolean"}, "syncState": {"$ref": "#/components/schemas/SyncState"},
  "failure": {"type": "object", "properties": {"version": {"$ref": "#/components/schemas/Int64"}, "reason": {"type": "string"},
    "time": {"$ref": "#/components/schemas/Timestamp"}}},
  "templates": {"type": "array", "items": {"type": "string", "example": "configTemplates/global"}}}},
"ConfigDiff": {"type": "object", "properties": {"entries": {"type": "array", "items": {"type": "object", "properties": {
  "op": {"type": "string", "enum": ["OP_UNSPECIFIED", "ADDED", "REMOVED", "CHANGED"]}, "path": {"type": "string"},
  "oldValue": {"description": "any JSON value; absent when added"}, "newValue": {"description": "any JSON value; absent when removed"}}}}}},
"ApplyConfigRequest": {"type": "object", "additionalProperties": false, "required": ["config"], "properties": {
  "config": {"type": "object"}, "expectedVersion": {"description": "integer or string of one", "oneOf": [{"type": "integer"}, {"type": "string"}]},
  "comment": {"type": "string"}}},
"RollbackConfigRequest": {"type": "object", "additionalProperties": false, "required": ["version"], "properties": {
  "version": {"description": "positive integer or string of one", "oneOf": [{"type": "integer"}, {"type": "string"}]},
  "expectedVersion": {"oneOf": [{"type": "integer"}, {"type": "string"}]}, "comment": {"type": "string"}}},
"ConfigTemplate": {"type": "object", "properties": {
  "name": {"type": "string", "example": "configTemplates/groups/north"}, "config": {"type": "object"},
  "author": {"type": "string"}, "revision": {"$ref": "#/components/schemas/Int64"}, "updateTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListConfigTemplatesResponse": {"type": "object", "properties": {"templates": {"type": "array", "items": {"$ref": "#/components/schemas/ConfigTemplate"}}}},
"PutConfigTemplateRequest": {"type": "object", "additionalProperties": false, "required": ["config"], "properties": {
  "config": {"type": "object"}, "expectedRevision": {"oneOf": [{"type": "integer"}, {"type": "string"}]}}},
"TunnelState": {"type": "string", "enum": ["STATE_UNSPECIFIED", "REQUESTED", "OPEN", "CLOSING", "CLOSED", "FAILED", "EXPIRED"]},
"Session": {"type": "object", "description": "a remote-access tunnel session", "properties": {
  "name": {"type": "string", "example": "tunnels/t-123"}, "deviceId": {"type": "string"}, "operatorId": {"type": "string"},
  "state": {"$ref": "#/components/schemas/TunnelState"}, "frpServer": {"type": "string"}, "publicAddress": {"type": "string"},
  "services": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "localIp": {"type": "string"},
    "localPort": {"type": "integer"}, "remotePort": {"type": "integer"}}}},
  "createTime": {"$ref": "#/components/schemas/Timestamp"}, "expireTime": {"$ref": "#/components/schemas/Timestamp"},
  "closeTime": {"$ref": "#/components/schemas/Timestamp"}, "closeReason": {"type": "string"}, "sshCommand": {"type": "string"}}},
"ListTunnelsResponse": {"type": "object", "properties": {
  "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}}, "nextPageToken": {"type": "string"}}},
"OpenTunnelRequest": {"type": "object", "additionalProperties": false, "properties": {
  "deviceId": {"type": "string", "description": "optional; must equal the path"}, "operatorId": {"type": "string", "description": "leave out: the caller"},
  "services": {"type": "array", "items": {"type": "string", "example": "ssh"}}, "ttl": {"$ref": "#/components/schemas/Duration"}}},
"ExtendTunnelRequest": {"type": "object", "additionalProperties": false, "properties": {
  "name": {"type": "string"}, "extension": {"$ref": "#/components/schemas/Duration"}, "operatorId": {"type": "string"}}},
"CloseTunnelRequest": {"type": "object", "additionalProperties": false, "properties": {
  "name": {"type": "string"}, "operatorId": {"type": "string"}, "reason": {"type": "string"}}},
"RotateRequest": {"type": "object", "additionalProperties": false, "description": "pan and/or tilt", "properties": {
  "pan": {"type": "number", "minimum": -180, "maximum": 180}, "tilt": {"type": "number", "minimum": -90, "maximum": 90}}},
"ZoomRequest": {"type": "object", "additionalProperties": false, "required": ["level"], "properties": {
  "level": {"type": "integer", "minimum": 1, "maximum": 20}}},
"StartStreamRequest": {"type": "object", "additionalProperties": false, "properties": {
  "quality": {"type": "string", "enum": ["sd", "hd"], "default": "sd"}}},
"StopStreamRequest": {"type": "object", "additionalProperties": false, "properties": {
  "streamId": {"type": "string", "description": "default: the device's live stream"}}},
"SnapshotRequest": {"type": "object", "additionalProperties": false},
"CameraCommandResult": {"type": "object", "properties": {
  "device": {"type": "string", "example": "devices/cam-1"}, "command": {"type": "string", "example": "camera.rotate"},
  "requestId": {"type": "string", "description": "the command's id on the device link"},
  "latencyMs": {"type": "integer"}, "result": {"type": "object", "description": "the device's answer"}}},
"Stream": {"type": "object", "properties": {"streamId": {"type": "string"}, "url": {"type": "string"},
  "quality": {"type": "string", "enum": ["sd", "hd"]}, "startTime": {"$ref": "#/components/schemas/Timestamp"},
  "expireTime": {"$ref": "#/components/schemas/Timestamp"}}},
"StreamResponse": {"type": "object", "properties": {"stream": {"$ref": "#/components/schemas/Stream"},
  "reused": {"type": "boolean", "description": "true: the live stream was returned and nothing was sent to the device"}}},
"Role": {"type": "string", "enum": ["admin", "operator", "viewer", "third_party"]},
"User": {"type": "object", "properties": {"name": {"type": "string", "example": "users/alice"}, "id": {"type": "string"},
  "displayName": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "disabled": {"type": "boolean"},
  "createTime": {"$ref": "#/components/schemas/Timestamp"}, "updateTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListUsersResponse": {"type": "object", "properties": {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}},
"CreateUserRequest": {"type": "object", "additionalProperties": false, "required": ["id", "role", "password"], "properties": {
  "id": {"type": "string"}, "displayName": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operator", "viewer"]},
  "password": {"type": "string", "minLength": 8, "writeOnly": true}}},
"UpdateUserRequest": {"type": "object", "additionalProperties": false, "description": "only the members present change", "properties": {
  "displayName": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operator", "viewer"]},
  "password": {"type": "string", "writeOnly": true}, "disabled": {"type": "boolean"}}},
"SignInRequest": {"type": "object", "additionalProperties": false, "required": ["user", "password"], "properties": {
  "user": {"type": "string"}, "password": {"type": "string", "writeOnly": true}}},
"SignInResponse": {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/User"},
  "role": {"$ref": "#/components/schemas/Role"}, "expireTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ApiKeyScope": {"type": "object", "properties": {
  "routeClasses": {"type": "array", "items": {"type": "string", "example": "devices.read"}},
  "deviceIds": {"type": "array", "items": {"type": "string"}},
  "deviceLabels": {"type": "object", "additionalProperties": {"type": "string"}}}},
"ApiKey": {"type": "object", "properties": {"name": {"type": "string", "example": "apiKeys/k1"}, "id": {"type": "string"},
  "displayName": {"type": "string"}, "scope": {"$ref": "#/components/schemas/ApiKeyScope"},
  "rateLimits": {"type": "string", "example": "100/1s,2000/60s"},
  "expireTime": {"$ref": "#/components/schemas/Timestamp"}, "createTime": {"$ref": "#/components/schemas/Timestamp"},
  "revokeTime": {"$ref": "#/components/schemas/Timestamp"}, "createdBy": {"type": "string"}, "replacedBy": {"type": "string"},
  "key": {"type": "string", "description": "empty except in ApiKeyWithSecret"}, "role": {"type": "string", "enum": ["third_party"]}}},
"ApiKeyWithSecret": {"description": "an ApiKey whose `key` holds the secret fk_<id>_<secret>: shown once", "allOf": [
  {"$ref": "#/components/schemas/ApiKey"}, {"type": "object", "required": ["key"], "properties": {"key": {"type": "string", "pattern": "^fk_"}}}]},
"CreateApiKeyRequest": {"type": "object", "additionalProperties": false, "properties": {
  "displayName": {"type": "string"}, "scope": {"$ref": "#/components/schemas/ApiKeyScope"}, "rateLimits": {"type": "string"},
  "expireTime": {"$ref": "#/components/schemas/Timestamp"}, "ttl": {"$ref": "#/components/schemas/Duration"}}},
"ListApiKeysResponse": {"type": "object", "properties": {"apiKeys": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}},
  "nextPageToken": {"type": "string"}}},
"AuditLogEntry": {"type": "object", "properties": {"seq": {"$ref": "#/components/schemas/Int64"}, "time": {"$ref": "#/components/schemas/Timestamp"},
  "actor": {"type": "string"}, "actorKind": {"type": "string", "enum": ["user", "api_key", "local", "anonymous"]},
  "role": {"type": "string"}, "method": {"type": "string"}, "path": {"type": "string"}, "status": {"type": "integer"},
  "traceId": {"type": "string"}, "requestId": {"type": "string"}}},
"ListAuditLogsResponse": {"type": "object", "properties": {"entries": {"type": "array", "items": {"$ref": "#/components/schemas/AuditLogEntry"}},
  "nextPageToken": {"type": "string"}}},
"CallLogEntry": {"type": "object", "properties": {"seq": {"$ref": "#/components/schemas/Int64"}, "time": {"$ref": "#/components/schemas/Timestamp"},
  "method": {"type": "string"}, "route": {"type": "string"}, "path": {"type": "string"}, "status": {"type": "integer"},
  "latencyMicros": {"$ref": "#/components/schemas/Int64"}, "traceId": {"type": "string"}, "requestId": {"type": "string"}}},
"ListApiKeyCallsResponse": {"type": "object", "properties": {"calls": {"type": "array", "items": {"$ref": "#/components/schemas/CallLogEntry"}},
  "nextPageToken": {"type": "string"}}},
"Me": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["user", "api_key", "local"]}, "id": {"type": "string"},
  "displayName": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "scope": {"$ref": "#/components/schemas/ApiKeyScope"},
  "expireTime": {"$ref": "#/components/schemas/Timestamp"}, "routeClasses": {"type": "array", "items": {"type": "string"}}}},
"Artifact": {"type": "object", "properties": {"name": {"type": "string", "example": "artifacts/fw-2-1"}, "id": {"type": "string"},
  "displayName": {"type": "string"}, "kind": {"type": "string", "enum": ["ARTIFACT_KIND_UNSPECIFIED", "FIRMWARE", "MCU"]},
  "version": {"type": "string"}, "url": {"type": "string"}, "sha256": {"type": "string"}, "sizeBytes": {"$ref": "#/components/schemas/Int64"},
  "models": {"type": "array", "items": {"type": "string"}}, "createTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListArtifactsResponse": {"type": "object", "properties": {"artifacts": {"type": "array", "items": {"$ref": "#/components/schemas/Artifact"}},
  "nextPageToken": {"type": "string"}}},
"CampaignSpec": {"type": "object", "description": "fleet.task.v1.CampaignSpec in proto3 JSON", "properties": {
  "kind": {"type": "string", "enum": ["CAMPAIGN_KIND_UNSPECIFIED", "CAMPAIGN_FIRMWARE", "CAMPAIGN_MCU", "CAMPAIGN_COMMAND"]},
  "artifact": {"type": "string"}, "command": {"type": "object", "properties": {"name": {"type": "string"}, "argsJson": {"type": "string"}}},
  "targets": {"type": "object", "properties": {"deviceIds": {"type": "array", "items": {"type": "string"}}, "labelFilter": {"type": "string"},
    "includeNew": {"type": "boolean"}}},
  "startTime": {"$ref": "#/components/schemas/Timestamp"}, "window": {"type": "object"}, "rollout": {"type": "object"},
  "timeouts": {"type": "object"}, "retry": {"type": "object"}, "abort": {"type": "object"}}},
"CampaignState": {"type": "string", "enum": ["CAMPAIGN_STATE_UNSPECIFIED", "CAMPAIGN_SCHEDULED", "CAMPAIGN_RUNNING", "CAMPAIGN_PAUSED", "CAMPAIGN_COMPLETED", "CAMPAIGN_CANCELED"]},
"ExecutionState": {"type": "string", "enum": ["EXECUTION_STATE_UNSPECIFIED", "QUEUED", "SENT", "DOWNLOADING", "VERIFYING", "INSTALLING", "REBOOTING", "SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELED", "SKIPPED"]},
"Campaign": {"type": "object", "properties": {"name": {"type": "string", "example": "campaigns/c-1"}, "id": {"type": "string"},
  "displayName": {"type": "string"}, "spec": {"$ref": "#/components/schemas/CampaignSpec"}, "state": {"$ref": "#/components/schemas/CampaignState"},
  "stateReason": {"type": "string"}, "pausedByAbort": {"type": "boolean"},
  "counts": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Int64"}}, "currentBatch": {"type": "integer"},
  "createTime": {"$ref": "#/components/schemas/Timestamp"}, "startTime": {"$ref": "#/components/schemas/Timestamp"},
  "endTime": {"$ref": "#/components/schemas/Timestamp"}, "eta": {"$ref": "#/components/schemas/Timestamp"}, "createdBy": {"type": "string"}}},
"CreateCampaignRequest": {"type": "object", "additionalProperties": false, "properties": {"displayName": {"type": "string"},
  "spec": {"$ref": "#/components/schemas/CampaignSpec"}, "operatorId": {"type": "string", "description": "leave out: the caller"}}},
"CampaignControlRequest": {"type": "object", "additionalProperties": false, "properties": {"name": {"type": "string"},
  "operatorId": {"type": "string"}, "reason": {"type": "string", "description": ":cancel only"}}},
"ListCampaignsResponse": {"type": "object", "properties": {"campaigns": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
  "nextPageToken": {"type": "string"}}},
"Execution": {"type": "object", "properties": {"name": {"type": "string"}, "campaignId": {"type": "string"}, "deviceId": {"type": "string"},
  "state": {"$ref": "#/components/schemas/ExecutionState"}, "percent": {"type": "integer"}, "attempt": {"type": "integer"},
  "batch": {"type": "integer"}, "reason": {"type": "string"}, "targetVersion": {"type": "string"},
  "stateTime": {"$ref": "#/components/schemas/Timestamp"}, "createTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListExecutionsResponse": {"type": "object", "properties": {"executions": {"type": "array", "items": {"$ref": "#/components/schemas/Execution"}},
  "nextPageToken": {"type": "string"}}},
"CampaignBatch": {"type": "object", "properties": {"index": {"type": "integer"},
  "counts": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Int64"}},
  "startTime": {"$ref": "#/components/schemas/Timestamp"}, "updateTime": {"$ref": "#/components/schemas/Timestamp"}}},
"ListCampaignBatchesResponse": {"type": "object", "properties": {"batches": {"type": "array", "items": {"$ref": "#/components/schemas/CampaignBatch"}},
  "nextPageToken": {"type": "string"}}},
"TimelineEntry": {"type": "object", "properties": {"sequence": {"$ref": "#/components/schemas/Int64"}, "time": {"$ref": "#/components/schemas/Timestamp"},
  "campaignId": {"type": "string"}, "deviceId": {"type": "string"}, "attempt": {"type": "integer"},
  "kind": {"type": "string", "enum": ["KIND_UNSPECIFIED", "STATE", "LOG", "CAMPAIGN"]}, "state": {"$ref": "#/components/schemas/ExecutionState"},
  "percent": {"type": "integer"}, "message": {"type": "string"}}},
"GetTimelineResponse": {"type": "object", "properties": {"entries": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
  "nextPageToken": {"type": "string"}, "more": {"type": "boolean"}}},
"OpenApiDocument": {"type": "object", "description": "this document"}
})json");
  return *schemas;
}

}  // namespace fleet::bff::openapi
