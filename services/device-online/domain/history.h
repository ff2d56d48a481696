#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

struct HistoryRequest {
  std::string device;  // "devices/{id}", "devices/{id}/presence" or a bare device id
  int page_size = 0;   // 0 = default
  std::string page_token;
  std::optional<absl::Time> start_time;  // only transitions at or after it
};

struct HistoryResponse {
  std::vector<Transition> items;  // newest first
  std::string next_page_token;    // "" on the last page
};

// Reads one device's presence history (AIP-158 paging, newest first). Thread-safe.
class PresenceHistoryQuery {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;

  PresenceHistoryQuery(PresenceStore& presence, PresenceHistory& history)
      : presence_(presence), history_(history) {}

  // INVALID_ARGUMENT: INVALID_FIELD for a malformed device name or a page_size outside
  // 0..kMaxPageSize; INVALID_PAGE_TOKEN for a token that is malformed or was issued for another
  // device or start_time. NOT_FOUND (PRESENCE_NOT_FOUND) when the device was never seen.
  // UNAVAILABLE when a store cannot be reached.
  absl::StatusOr<HistoryResponse> List(const HistoryRequest& request);

  // Exposed for tests: the token continuing after `last` for this device and start_time.
  static std::string EncodePageToken(std::string_view device_id, std::optional<absl::Time> start_time,
                                     const PresenceHistory::Cursor& last);

 private:
  absl::Status CheckSeen(const std::string& device_id);

  PresenceStore& presence_;
  PresenceHistory& history_;
};

}  // namespace fleet::online
