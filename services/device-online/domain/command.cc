#include "services/device-online/domain/command.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::online {

absl::Status ValidateCommandType(std::string_view type) {
  const std::vector<absl::string_view> parts = absl::StrSplit(absl::string_view(type.data(), type.size()), '.');
  bool ok = parts.size() >= 2 && parts.size() <= 8;
  for (absl::string_view p : parts) {
    if (!ok) break;
    ok = !p.empty() && p.size() <= 32 && p[0] >= 'a' && p[0] <= 'z';
    for (char c : p) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    return status::InvalidField("type", absl::StrCat("type must be dotted names like \"camera.rotate\", got \"",
                                                     std::string(type.substr(0, 64)), "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandResult> CommandRelay::Send(CommandRequest request) {
  if (absl::Status st = ids::ValidateDeviceId(request.device_id); !st.ok()) return st;
  if (absl::Status st = ValidateCommandType(request.type); !st.ok()) return st;
  if (request.body_json.empty()) request.body_json = "{}";
  if (request.body_json.size() > options_.max_body_bytes) {
    return status::InvalidField("body_json", absl::StrCat("body_json is larger than ", options_.max_body_bytes, " bytes"));
  }
  rapidjson::Document doc;
  doc.Parse(request.body_json.data(), request.body_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return status::InvalidField("body_json", "body_json must be a JSON object");
  }
  if (request.timeout < absl::ZeroDuration() || request.timeout > options_.max_timeout) {
    return status::InvalidField("timeout", absl::StrCat("timeout must be between 0 and ",
                                                        absl::FormatDuration(options_.max_timeout)));
  }
  if (request.timeout == absl::ZeroDuration()) request.timeout = options_.default_timeout;

  absl::StatusOr<Presence> p = presence_.Get(request.device_id);
  if (!p.ok()) return p.status();
  if (p->state != State::kOnline) {
    return status::MakeError(absl::StatusCode::kUnavailable, "DEVICE_OFFLINE",
                             absl::StrCat("device ", request.device_id, " is offline; the command was not sent"),
                             {{"device_id", request.device_id},
                              {"last_seen_time", absl::FormatTime(absl::RFC3339_sec, p->last_seen, absl::UTCTimeZone())}});
  }
  const absl::Time start = clock_.Now();
  const absl::Time deadline = std::min(start + request.timeout, request.not_after);
  absl::StatusOr<CommandResult> r = channel_.Call(request, deadline);
  if (!r.ok()) {
    if (absl::IsDeadlineExceeded(r.status())) {
      return status::MakeError(absl::StatusCode::kDeadlineExceeded, "DEVICE_TIMEOUT",
                               absl::StrCat("device ", request.device_id, " did not answer ", request.type, " within ",
                                            absl::FormatDuration(request.timeout)),
                               {{"device_id", request.device_id}, {"type", request.type}});
    }
    return r.status();
  }
  r->latency = clock_.Now() - start;
  return r;
}

}  // namespace fleet::online
