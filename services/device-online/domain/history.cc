#include "services/device-online/domain/history.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::online {
namespace {

// Token: base64url("h1|<device>|<start_time µs or empty>|<last time µs>|<last transition id>").
// Device ids never contain '|'; the transition id is last, so it may.
constexpr char kTokenVersion[] = "h1";

absl::Status BadToken(std::string_view why) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                           absl::StrCat("page_token is invalid: ", std::string(why)), {{"field", "page_token"}});
}

std::string SinceField(std::optional<absl::Time> t) {
  return t ? absl::StrCat(absl::ToUnixMicros(*t)) : std::string();
}

absl::StatusOr<std::string> DeviceId(std::string_view name) {
  absl::string_view id(name.data(), name.size());
  if (absl::ConsumePrefix(&id, "devices/")) absl::ConsumeSuffix(&id, "/presence");
  const std::string out(id);
  if (absl::Status st = ids::ValidateDeviceId(out, "device"); !st.ok()) return st;
  return out;
}

absl::StatusOr<PresenceHistory::Cursor> DecodeToken(const std::string& token, const std::string& device_id,
                                                    std::optional<absl::Time> start_time) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken("not base64");
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 4));
  if (parts.size() != 5 || parts[0] != kTokenVersion) return BadToken("unknown format");
  if (parts[1] != device_id) {
    return BadToken("it was issued for another device; start again without a page_token");
  }
  if (parts[2] != SinceField(start_time)) {
    return BadToken("it was issued for another start_time; start again without a page_token");
  }
  int64_t micros = 0;
  if (!absl::SimpleAtoi(parts[3], &micros) || parts[4].empty()) return BadToken("bad position");
  return PresenceHistory::Cursor{absl::FromUnixMicros(micros), parts[4]};
}

}  // namespace

std::string PresenceHistoryQuery::EncodePageToken(std::string_view device_id, std::optional<absl::Time> start_time,
                                                  const PresenceHistory::Cursor& last) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenVersion, "|", std::string(device_id), "|",
                                                SinceField(start_time), "|", absl::ToUnixMicros(last.time),
                                                "|", last.id));
}

absl::StatusOr<HistoryResponse> PresenceHistoryQuery::List(const HistoryRequest& request) {
  absl::StatusOr<std::string> device_id = DeviceId(request.device);
  if (!device_id.ok()) return device_id.status();
  if (request.page_size < 0 || request.page_size > kMaxPageSize) {
    return status::InvalidField("page_size", absl::StrCat("page_size must be between 0 and ", kMaxPageSize,
                                                          ", got ", request.page_size));
  }
  PresenceHistory::Query q;
  q.device_id = *device_id;
  q.limit = request.page_size == 0 ? kDefaultPageSize : request.page_size;
  if (request.start_time) q.since = *request.start_time;
  if (!request.page_token.empty()) {
    absl::StatusOr<PresenceHistory::Cursor> after = DecodeToken(request.page_token, *device_id, request.start_time);
    if (!after.ok()) return after.status();
    q.after = *after;
  }
  absl::StatusOr<PresenceHistory::Page> page = history_.ListForDevice(q);
  if (!page.ok()) return page.status();
  // An empty first page: either a quiet device or one never seen at all.
  if (page->items.empty() && !q.after) {
    if (absl::Status st = CheckSeen(*device_id); !st.ok()) return st;
  }
  HistoryResponse out;
  if (page->more && !page->items.empty()) {
    const Transition& last = page->items.back();
    out.next_page_token = EncodePageToken(*device_id, request.start_time, {last.time, last.id});
  }
  out.items = std::move(page->items);
  return out;
}

absl::Status PresenceHistoryQuery::CheckSeen(const std::string& device_id) {
  absl::StatusOr<std::optional<Presence>> p = presence_.Get(device_id);
  if (!p.ok()) return p.status();
  if (p->has_value()) return absl::OkStatus();
  // Its current state may have expired while its history remains.
  absl::StatusOr<PresenceHistory::Page> any = history_.ListForDevice({.device_id = device_id, .limit = 1});
  if (!any.ok()) return any.status();
  if (!any->items.empty()) return absl::OkStatus();
  return status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND",
                           absl::StrCat("device \"", device_id, "\" has never been seen"),
                           {{"device_id", device_id}});
}

}  // namespace fleet::online
