#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

struct ListRequest {
  std::string filter;  // "", "online", "offline"
  int page_size = 0;   // 0 = default
  std::string page_token;
};

struct ListResponse {
  std::vector<Presence> items;
  std::string next_page_token;
  int64_t total = 0;
};

struct BatchGetResponse {
  std::vector<Presence> found;
  std::vector<std::string> missing;
};

// Read side of presence: validation, resource names and paging. Thread-safe.
class PresenceQuery {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;
  static constexpr int kMaxBatch = 1000;

  explicit PresenceQuery(PresenceStore& store) : store_(store) {}

  // `name` is "devices/{id}/presence" or a bare device id. NOT_FOUND (PRESENCE_NOT_FOUND) when
  // the device never sent anything; INVALID_ARGUMENT (INVALID_FIELD) for a malformed name.
  absl::StatusOr<Presence> Get(std::string_view name);
  // At most kMaxBatch ids, each valid; duplicates are answered once.
  absl::StatusOr<BatchGetResponse> BatchGet(const std::vector<std::string>& ids);
  // INVALID_ARGUMENT for a bad filter (INVALID_FILTER), page size (INVALID_FIELD) or a page
  // token that is malformed or was issued for another filter (INVALID_PAGE_TOKEN).
  absl::StatusOr<ListResponse> List(const ListRequest& request);

  // Exposed for tests.
  static std::string EncodePageToken(std::string_view filter, std::string_view after_id);

 private:
  PresenceStore& store_;
};

}  // namespace fleet::online
