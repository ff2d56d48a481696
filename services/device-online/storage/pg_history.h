#pragma once

#include <vector>

#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "services/device-online/domain/ports.h"

namespace fleet::online {

// device-online's PostgreSQL schema, in order.
const std::vector<pg::Migration>& PresenceMigrations();

// The presence history table: one row per transition, idempotent on the transition id (the
// relay delivers at least once), read back page by page. Thread-safe; UNAVAILABLE when the
// database cannot be reached.
class PgPresenceHistory : public TransitionSink, public PresenceHistory {
 public:
  explicit PgPresenceHistory(pg::Pool& pool);
  absl::Status Publish(absl::Span<const Transition> transitions) override;
  absl::StatusOr<Page> ListForDevice(const Query& query) override;

  // Newest first, at most `limit` rows of one device (for the device page and tests).
  absl::StatusOr<std::vector<Transition>> ForDevice(std::string_view device_id, int limit);

 private:
  pg::Pool& pool_;
};

}  // namespace fleet::online
