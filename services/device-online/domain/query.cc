#include "services/device-online/domain/query.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"

namespace fleet::online {
namespace {

constexpr char kTokenVersion[] = "p1";

absl::StatusOr<StateFilter> ParseFilter(std::string_view filter) {
  if (filter.empty()) return StateFilter::kAll;
  if (filter == "online" || filter == "state=ONLINE") return StateFilter::kOnline;
  if (filter == "offline" || filter == "state=OFFLINE") return StateFilter::kOffline;
  return status::MakeError(
      absl::StatusCode::kInvalidArgument, "INVALID_FILTER",
      absl::StrCat("filter \"", std::string(filter), "\" is not supported; use \"online\", \"offline\" or \"\""),
      {{"field", "filter"}});
}

absl::Status BadToken(std::string_view why) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                           absl::StrCat("page_token is invalid: ", std::string(why)), {{"field", "page_token"}});
}

}  // namespace

std::string PresenceQuery::EncodePageToken(std::string_view filter, std::string_view after_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenVersion, "|", std::string(filter), "|", std::string(after_id)));
}

absl::StatusOr<Presence> PresenceQuery::Get(std::string_view name) {
  absl::string_view id(name.data(), name.size());
  if (absl::ConsumePrefix(&id, "devices/")) {
    if (!absl::ConsumeSuffix(&id, "/presence")) {
      return status::InvalidField("name", "name must be \"devices/{device_id}/presence\"");
    }
  }
  if (absl::Status st = ids::ValidateDeviceId(std::string_view(id.data(), id.size()), "name"); !st.ok()) return st;
  absl::StatusOr<std::optional<Presence>> p = store_.Get(std::string_view(id.data(), id.size()));
  if (!p.ok()) return p.status();
  if (!p->has_value()) {
    return status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND",
                             absl::StrCat("device \"", std::string(id), "\" has never been seen"),
                             {{"device_id", std::string(id)}});
  }
  return **p;
}

absl::StatusOr<BatchGetResponse> PresenceQuery::BatchGet(const std::vector<std::string>& ids) {
  if (ids.size() > kMaxBatch) {
    return status::InvalidField("device_ids", absl::StrCat("at most ", kMaxBatch,
                                                           " device_ids per call, got ", ids.size()));
  }
  std::vector<std::string> unique;
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& id : ids) {
    if (absl::Status st = ids::ValidateDeviceId(id, "device_ids"); !st.ok()) return st;
    if (seen.insert(id).second) unique.push_back(id);
  }
  absl::StatusOr<std::vector<Presence>> found = store_.BatchGet(unique);
  if (!found.ok()) return found.status();
  BatchGetResponse out;
  absl::flat_hash_set<std::string_view> present;
  for (const Presence& p : *found) present.insert(p.device_id);
  for (const std::string& id : unique) {
    if (!present.contains(id)) out.missing.push_back(id);
  }
  out.found = std::move(*found);
  return out;
}

absl::StatusOr<ListResponse> PresenceQuery::List(const ListRequest& request) {
  absl::StatusOr<StateFilter> filter = ParseFilter(request.filter);
  if (!filter.ok()) return filter.status();
  if (request.page_size < 0 || request.page_size > kMaxPageSize) {
    return status::InvalidField(
        "page_size", absl::StrCat("page_size must be between 0 and ", kMaxPageSize, ", got ",
                                  request.page_size));
  }
  const int size = request.page_size == 0 ? kDefaultPageSize : request.page_size;
  std::string after;
  if (!request.page_token.empty()) {
    std::string raw;
    if (!absl::WebSafeBase64Unescape(request.page_token, &raw)) return BadToken("not base64");
    std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 2));
    if (parts.size() != 3 || parts[0] != kTokenVersion) return BadToken("unknown format");
    if (parts[1] != request.filter) {
      return BadToken("it was issued for another filter; start again without a page_token");
    }
    if (!ids::IsValidDeviceId(parts[2])) return BadToken("bad position");
    after = parts[2];
  }
  absl::StatusOr<PresenceStore::Page> page = store_.List(*filter, after, size);
  if (!page.ok()) return page.status();
  ListResponse out;
  out.total = page->total;
  if (page->more && !page->items.empty()) {
    out.next_page_token = EncodePageToken(request.filter, page->items.back().device_id);
  }
  out.items = std::move(page->items);
  return out;
}

}  // namespace fleet::online
