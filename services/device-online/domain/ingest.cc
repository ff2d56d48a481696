#include "services/device-online/domain/ingest.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace fleet::online {

absl::StatusOr<IngestResult> Ingestor::Apply(absl::Span<const Uplink> batch) {
  const absl::Time now = clock_.Now();
  IngestResult result;
  std::vector<Sighting> sightings;
  sightings.reserve(batch.size());
  absl::flat_hash_map<std::string_view, size_t> index;  // device id -> position in sightings
  index.reserve(batch.size());

  for (const Uplink& up : batch) {
    if (up.sent_at < now - policy_.max_age) {
      ++result.dropped_stale;
      continue;
    }
    if (up.sent_at > now + policy_.max_future_skew) {
      ++result.dropped_future;
      continue;
    }
    // Small skews are clamped: a device is never "seen" in the future.
    const absl::Time seen = std::min(up.sent_at, now);
    auto [it, inserted] = index.try_emplace(up.device_id, sightings.size());
    if (inserted) {
      sightings.push_back(Sighting{up.device_id, seen, up.board});
      continue;
    }
    ++result.coalesced;
    Sighting& s = sightings[it->second];
    if (seen >= s.seen) {
      s.seen = seen;
      if (!up.board.empty()) s.board = up.board;
    } else if (s.board.empty()) {
      s.board = up.board;  // an older heartbeat still beats no parameters at all
    }
  }
  if (!sightings.empty()) {
    absl::Status st = store_.Touch(sightings, now);
    if (!st.ok()) return st;
  }
  result.applied = static_cast<int64_t>(sightings.size());
  return result;
}

}  // namespace fleet::online
