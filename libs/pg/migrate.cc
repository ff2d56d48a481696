#include "libs/pg/migrate.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <set>

#include <pqxx/transaction>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace fleet::pg {
namespace {

// Every step runs under this transaction-scoped advisory lock, so it is released on commit,
// rollback or a dropped connection: a crashed migrator never blocks the others.
constexpr char kLock[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('fleet.schema_migrations', 0))";

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

absl::Status Mismatch(const Migration& m, const std::string& stored) {
  return absl::FailedPreconditionError(absl::StrCat(
      "migration ", m.version, " (", m.name, ") was changed after it was applied: checksum ",
      stored, " in schema_migrations, ", MigrationChecksum(m.sql),
      " in code; add a new migration instead of editing an applied one"));
}

}  // namespace

std::string MigrationChecksum(const std::string& sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(sql.data(), sql.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len));
}

absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  std::set<int> seen;
  for (const auto& m : migrations) {
    if (m.version <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("migration version ", m.version, " <= 0"));
    }
    if (!seen.insert(m.version).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate migration version ", m.version));
    }
    ordered.push_back(&m);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });

  // Step 1: make sure the table exists and that nothing applied has been edited since.
  std::map<int, std::string> applied;
  absl::Status st = pool.InTransaction([&](pqxx::work& tx) {
    tx.exec(kLock);
    tx.exec(kCreateTable);
    for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
      applied[row[0].as<int>()] = row[1].as<std::string>();
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  for (const Migration* m : ordered) {
    auto it = applied.find(m->version);
    if (it != applied.end() && it->second != MigrationChecksum(m->sql)) {
      return Mismatch(*m, it->second);
    }
  }

  // Step 2: apply what is missing, one transaction each; re-check under the lock because a
  // concurrent migrator may have applied it since step 1.
  for (const Migration* m : ordered) {
    if (applied.count(m->version) > 0) continue;
    st = pool.InTransaction([&](pqxx::work& tx) -> absl::Status {
      tx.exec(kLock);
      pqxx::result r =
          tx.exec_params("SELECT checksum FROM schema_migrations WHERE version = $1", m->version);
      if (!r.empty()) {
        std::string stored = r[0][0].as<std::string>();
        return stored == MigrationChecksum(m->sql) ? absl::OkStatus() : Mismatch(*m, stored);
      }
      tx.exec(m->sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     m->version, m->name, MigrationChecksum(m->sql));
      return absl::OkStatus();
    });
    if (!st.ok()) {
      if (st.code() == absl::StatusCode::kFailedPrecondition) return st;
      return absl::Status(st.code(), absl::StrCat("migration ", m->version, " (", m->name,
                                                  "): ", st.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace fleet::pg
