#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::kafka {

// The edge envelope (see ARCHITECTURE.md "Edge protocol"), independent of its
// wire encoding. All functions in this header are thread-safe and never throw.

enum class EnvelopeKind { kRequest, kResponse, kEvent };

struct Envelope {
  EnvelopeKind kind = EnvelopeKind::kEvent;
  std::string id;                 // numeric JSON ids (e.g. 111) are normalized to "111"
  std::string sender;             // e.g. "edge/dev-001" or "web_backend"
  absl::Time timestamp;           // RFC 3339 in JSON
  std::string description;        // request and response
  std::string type;               // request and event only, e.g. "heartbeat", "tunnel.start"
  std::string reply_to;           // request only
  int overall_status_code = 0;    // response only; JSON carries it as a string "200"
  std::string overall_status;     // response only, e.g. "Succeed"
  std::string body_json = "{}";   // the body object as compact JSON text
};

inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kProtobufContentType = "application/x-protobuf";
inline constexpr std::string_view kDefaultDownlinkTemplate = "edge.{device_id}.down";

// Decodes {"request": {...}} | {"response": {...}} | {"event": {...}}.
// Required: id (string or integer), sender, timestamp (RFC 3339), and type for
// requests and events. overall_status_code may be a string ("200") or a number.
// Unknown fields are ignored; a null field counts as absent; body must be an
// object when present. Errors: INVALID_ARGUMENT "envelope: ..." naming the field.
absl::StatusOr<Envelope> DecodeJson(std::string_view json);

// Encodes the JSON shape above: compact, timestamp in UTC. Fields that do not
// belong to the kind are omitted. Precondition: e.body_json is a JSON object
// (as produced by the decoders or checked with ValidateBodyJson); it is copied
// verbatim, an empty string is written as {}.
std::string EncodeJson(const Envelope& e);

// Decodes a serialized fleet.edge.v1.Envelope with the same required fields as
// DecodeJson. Errors: INVALID_ARGUMENT "envelope: ...".
absl::StatusOr<Envelope> DecodeProto(std::string_view bytes);

// Encodes a fleet.edge.v1.Envelope; body_json becomes a google.protobuf.Struct
// (same precondition as EncodeJson; a body that is not a JSON object is
// encoded as an empty Struct).
std::string EncodeProto(const Envelope& e);

// Picks the codec from the content-type header value: "" or application/json
// (parameters such as "; charset=utf-8" allowed) = JSON, application/x-protobuf
// = protobuf. Any other value is INVALID_ARGUMENT.
absl::StatusOr<Envelope> Decode(std::string_view payload, std::string_view content_type);

// OK when `body_json` is a JSON object; INVALID_ARGUMENT otherwise.
absl::Status ValidateBodyJson(std::string_view body_json);

// Device id from sender "edge/<device>" (non-empty, no further '/');
// INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> DeviceIdFromSender(std::string_view sender);

// OK when now - max_age <= e.timestamp <= now + max_future_skew. Otherwise
// FAILED_PRECONDITION with reason "MESSAGE_STALE" or "MESSAGE_FROM_FUTURE"
// (fleet::status::Reason() reads it).
absl::Status CheckFreshness(const Envelope& e, absl::Time now, absl::Duration max_age,
                            absl::Duration max_future_skew);

// Replaces every "{device_id}" in the template (empty = the default
// "edge.{device_id}.down") with device_id.
std::string DownlinkTopic(std::string_view topic_template, std::string_view device_id);

}  // namespace fleet::kafka
