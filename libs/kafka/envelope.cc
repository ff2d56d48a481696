#include "libs/kafka/envelope.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/kafka/envelope_internal.h"
#include "libs/status/status.h"
#include "libs/kafka/rfc3339.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace fleet::kafka {
using envelope_internal::ToAbsl;

namespace envelope_internal {

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("envelope: ", ToAbsl(message)));
}

absl::Status CheckRequired(const Envelope& e) {
  if (e.id.empty()) return Invalid("field 'id' is missing or empty");
  if (e.sender.empty()) return Invalid("field 'sender' is missing or empty");
  if (e.kind != EnvelopeKind::kResponse && e.type.empty()) {
    return Invalid(absl::StrCat("field 'type' is missing or empty in ", ToAbsl(KindName(e.kind))));
  }
  return absl::OkStatus();
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path: 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if (chunk & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p >= end) break;
    const unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0, C1) or > F4
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += len;
  }
  return true;
}

std::string_view KindName(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::kRequest:
      return "request";
    case EnvelopeKind::kResponse:
      return "response";
    case EnvelopeKind::kEvent:
      return "event";
  }
  return "event";
}

}  // namespace envelope_internal

absl::StatusOr<Envelope> Decode(std::string_view payload, std::string_view content_type) {
  const absl::string_view media =
      absl::StripAsciiWhitespace(ToAbsl(content_type.substr(0, content_type.find(';'))));
  if (media.empty() || absl::EqualsIgnoreCase(media, ToAbsl(kJsonContentType))) return DecodeJson(payload);
  if (absl::EqualsIgnoreCase(media, ToAbsl(kProtobufContentType))) return DecodeProto(payload);
  return envelope_internal::Invalid(
      absl::StrCat("unsupported content-type '", ToAbsl(content_type), "'"));
}

absl::Status ValidateBodyJson(std::string_view body_json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body_json.data(), body_json.size());
  if (doc.HasParseError()) {
    return envelope_internal::Invalid(
        absl::StrCat("body is not valid JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                     " at offset ", doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return envelope_internal::Invalid("field 'body' must be a JSON object");
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeviceIdFromSender(std::string_view sender) {
  constexpr std::string_view kPrefix = "edge/";
  if (!absl::StartsWith(ToAbsl(sender), ToAbsl(kPrefix)) || sender.size() == kPrefix.size() ||
      sender.find('/', kPrefix.size()) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope: sender '", ToAbsl(sender), "' is not of the form edge/<device_id>"));
  }
  return std::string(sender.substr(kPrefix.size()));
}

absl::Status CheckFreshness(const Envelope& e, absl::Time now, absl::Duration max_age,
                            absl::Duration max_future_skew) {
  if (e.timestamp < now - max_age) {
    return status::MakeError(absl::StatusCode::kFailedPrecondition, "MESSAGE_STALE",
                       absl::StrCat("message ", e.id, " from ", e.sender, " is ",
                                    absl::FormatDuration(now - e.timestamp),
                                    " old (max age ", absl::FormatDuration(max_age), ")"));
  }
  if (e.timestamp > now + max_future_skew) {
    return status::MakeError(absl::StatusCode::kFailedPrecondition, "MESSAGE_FROM_FUTURE",
                       absl::StrCat("message ", e.id, " from ", e.sender, " is ",
                                    absl::FormatDuration(e.timestamp - now),
                                    " in the future (max skew ",
                                    absl::FormatDuration(max_future_skew), ")"));
  }
  return absl::OkStatus();
}

std::string DownlinkTopic(std::string_view topic_template, std::string_view device_id) {
  if (topic_template.empty()) topic_template = kDefaultDownlinkTemplate;
  return absl::StrReplaceAll(ToAbsl(topic_template), {{"{device_id}", ToAbsl(device_id)}});
}

}  // namespace fleet::kafka
