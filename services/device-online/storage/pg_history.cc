#include "services/device-online/storage/pg_history.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/pg/array.h"

namespace fleet::online {
namespace {

constexpr char kInsert[] = "presence_history_insert";
constexpr char kForDevice[] = "presence_history_for_device";
constexpr char kPage[] = "presence_history_page";

std::string Micros(absl::Time t) { return std::to_string(absl::ToUnixMicros(t)); }

}  // namespace

const std::vector<pg::Migration>& PresenceMigrations() {
  static const auto* migrations = new std::vector<pg::Migration>{
      {1, "presence_history", R"sql(
CREATE TABLE presence_history (
  transition_id text PRIMARY KEY,
  device_id     text        NOT NULL,
  state         text        NOT NULL CHECK (state IN ('online', 'offline')),
  at            timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  cause         text        NOT NULL
);
CREATE INDEX presence_history_device_at ON presence_history (device_id, at DESC);
)sql"},
  };
  return *migrations;
}

PgPresenceHistory::PgPresenceHistory(pg::Pool& pool) : pool_(pool) {
  // Times travel as unix microseconds; arrays keep one round trip per batch.
  pool_.Prepare(kInsert, R"sql(
INSERT INTO presence_history (transition_id, device_id, state, at, last_seen, cause)
SELECT id, dev, st, to_timestamp(at_us::float8 / 1e6), to_timestamp(ls_us::float8 / 1e6), cause
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
  AS t(id, dev, st, at_us, ls_us, cause)
ON CONFLICT (transition_id) DO NOTHING
)sql");
  pool_.Prepare(kForDevice, R"sql(
SELECT transition_id, state, (extract(epoch FROM at) * 1e6)::bigint,
       (extract(epoch FROM last_seen) * 1e6)::bigint, cause
FROM presence_history WHERE device_id = $1 ORDER BY at DESC, transition_id DESC LIMIT $2
)sql");
  // Page order is (at, transition_id) descending with ids in byte order (COLLATE "C"), the same
  // order as the in-memory model. $2 = has a start time ($3), $4 = has a cursor ($5, $6).
  // Served by the index presence_history_device_at.
  pool_.Prepare(kPage, R"sql(
SELECT transition_id, state, (extract(epoch FROM at) * 1e6)::bigint,
       (extract(epoch FROM last_seen) * 1e6)::bigint, cause
FROM presence_history
WHERE device_id = $1
  AND (NOT $2::boolean OR at >= to_timestamp($3::float8 / 1e6))
  AND (NOT $4::boolean OR at < to_timestamp($5::float8 / 1e6)
       OR (at = to_timestamp($5::float8 / 1e6) AND transition_id COLLATE "C" < $6::text))
ORDER BY at DESC, transition_id COLLATE "C" DESC LIMIT $7
)sql");
}

absl::Status PgPresenceHistory::Publish(absl::Span<const Transition> transitions) {
  if (transitions.empty()) return absl::OkStatus();
  std::vector<std::string> ids, devices, states, at, last_seen, causes;
  for (const Transition& t : transitions) {
    ids.push_back(t.id);
    devices.push_back(t.device_id);
    states.push_back(StateName(t.state));
    at.push_back(Micros(t.time));
    last_seen.push_back(Micros(t.last_seen));
    causes.push_back(t.cause);
  }
  auto bigints = [](const std::vector<std::string>& v) {
    return "{" + absl::StrJoin(v, ",") + "}";
  };
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared(kInsert, pg::TextArray(ids), pg::TextArray(devices), pg::TextArray(states), bigints(at),
                     bigints(last_seen), pg::TextArray(causes));
    return absl::OkStatus();
  });
}

absl::StatusOr<PresenceHistory::Page> PgPresenceHistory::ListForDevice(const Query& query) {
  const bool has_since = query.since != absl::InfinitePast();
  const int64_t since_us = has_since ? absl::ToUnixMicros(query.since) : 0;
  const int64_t after_us = query.after ? absl::ToUnixMicros(query.after->time) : 0;
  const std::string after_id = query.after ? query.after->id : "";
  Page page;
  absl::Status st = pool_.Read([&](pqxx::nontransaction& tx) {
    pqxx::result rows = tx.exec_prepared(kPage, query.device_id, has_since, since_us, query.after.has_value(),
                                         after_us, after_id, query.limit + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(page.items.size()) == query.limit) {
        page.more = true;
        break;
      }
      Transition t;
      t.id = row[0].as<std::string>();
      t.device_id = query.device_id;
      t.state = row[1].as<std::string>() == "online" ? State::kOnline : State::kOffline;
      t.time = absl::FromUnixMicros(row[2].as<int64_t>());
      t.last_seen = absl::FromUnixMicros(row[3].as<int64_t>());
      t.cause = row[4].as<std::string>();
      page.items.push_back(std::move(t));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return page;
}

absl::StatusOr<std::vector<Transition>> PgPresenceHistory::ForDevice(std::string_view device_id,
                                                                     int limit) {
  std::vector<Transition> out;
  absl::Status st = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kForDevice, std::string(device_id), limit);
    for (const auto& row : rows) {
      Transition t;
      t.id = row[0].as<std::string>();
      t.device_id = std::string(device_id);
      t.state = row[1].as<std::string>() == "online" ? State::kOnline : State::kOffline;
      t.time = absl::FromUnixMicros(row[2].as<int64_t>());
      t.last_seen = absl::FromUnixMicros(row[3].as<int64_t>());
      t.cause = row[4].as<std::string>();
      out.push_back(std::move(t));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace fleet::online
