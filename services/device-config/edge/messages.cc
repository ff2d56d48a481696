#include "services/device-config/edge/messages.h"

#include <rapidjson/document.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fleet::devcfg {

std::string ApplyRequestId(std::string_view device_id, int64_t version) {
  return absl::StrCat(std::string(kApplyType), ":", std::string(device_id), ":", version);
}

kafka::Envelope EncodeApply(std::string_view device_id, int64_t version, std::string_view hash,
                            std::string_view effective_json, absl::Time now, std::string_view sender) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = ApplyRequestId(device_id, version);
  e.sender = std::string(sender);
  e.timestamp = now;
  e.type = std::string(kApplyType);
  e.description = absl::StrCat("apply configuration version ", version);
  // hash is hex and effective_json canonical JSON: both are safe to splice.
  e.body_json = absl::StrCat(R"({"version":)", version, R"(,"hash":")", std::string(hash), R"(","config":)",
                             std::string(effective_json), "}");
  return e;
}

std::optional<ApplyAnswer> ParseApplyAnswer(const kafka::Envelope& e) {
  if (e.kind != kafka::EnvelopeKind::kResponse) return std::nullopt;
  const std::string prefix = absl::StrCat(std::string(kApplyType), ":");
  if (e.id.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = e.id.substr(prefix.size());
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  ApplyAnswer a;
  a.device_id = rest.substr(0, colon);
  if (!absl::SimpleAtoi(rest.substr(colon + 1), &a.version) || a.version <= 0) return std::nullopt;
  absl::StatusOr<std::string> sender = kafka::DeviceIdFromSender(e.sender);
  if (!sender.ok() || *sender != a.device_id) return std::nullopt;
  a.applied = e.overall_status_code >= 200 && e.overall_status_code < 300;
  rapidjson::Document doc;
  doc.Parse(e.body_json.c_str());
  if (!doc.HasParseError() && doc.IsObject()) {
    if (auto h = doc.FindMember("hash"); h != doc.MemberEnd() && h->value.IsString()) a.hash = h->value.GetString();
    if (auto w = doc.FindMember("error"); w != doc.MemberEnd() && w->value.IsString()) a.why = w->value.GetString();
  }
  if (!a.applied && a.why.empty()) a.why = e.description;
  return a;
}

}  // namespace fleet::devcfg
