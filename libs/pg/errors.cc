#include "libs/pg/errors.h"

#include <pqxx/except>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace fleet::pg {
namespace {

constexpr size_t kMaxQueryInMessage = 200;

absl::Status Unavailable(absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("BACKEND_UNAVAILABLE: postgres: ", absl::StripTrailingAsciiWhitespace(what)));
}

bool IsUnavailableState(const std::string& state) {
  return absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" ||
         state == "57P03" || state == "53300";
}

}  // namespace

bool IsConnectionFailure(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return IsUnavailableState(sql->sqlstate());
  }
  return false;
}

absl::Status StatusFromException(const std::exception& e) {
  absl::string_view what = absl::StripTrailingAsciiWhitespace(e.what());
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return Unavailable(what);
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnknownError(absl::StrCat("postgres: commit outcome unknown: ", what));
  }
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e) != nullptr) {
    return absl::UnknownError(absl::StrCat("postgres: statement outcome unknown: ", what));
  }
  // In libpqxx 6 transaction_rollback (40xxx) does not derive from sql_error.
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError(absl::StrCat("postgres: transaction rolled back: ", what));
  }
  if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (IsUnavailableState(state)) return Unavailable(absl::StrCat("SQLSTATE ", state, ": ", what));
    if (state == "23505") {
      return absl::AlreadyExistsError(absl::StrCat("postgres: SQLSTATE 23505: ", what));
    }
    if (absl::StartsWith(state, "40")) {
      return absl::AbortedError(absl::StrCat("postgres: SQLSTATE ", state, ": ", what));
    }
    std::string query = sql->query().substr(0, kMaxQueryInMessage);
    return absl::InternalError(absl::StrCat("postgres: SQLSTATE ", state.empty() ? "?" : state,
                                            ": ", what,
                                            query.empty() ? "" : absl::StrCat(" [query: ", query, "]")));
  }
  return absl::InternalError(absl::StrCat("postgres: ", what));
}

}  // namespace fleet::pg
