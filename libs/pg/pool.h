#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>  // Callers use pqxx::work, results and rows in their transactions.

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fleet::pg {

struct Options {
  // libpq URL, e.g. postgresql://user@host:5432/db. connect_timeout is added when absent.
  std::string url;
  int pool_size = 4;
  // How long InTransaction waits for a free connection before UNAVAILABLE; also the bound on
  // opening a new connection (libpq connect_timeout, whole seconds, at least 2).
  absl::Duration acquire_timeout = absl::Seconds(5);
};

// A thread-safe pool of libpqxx connections, opened lazily up to pool_size.
//
// Nothing here throws: pqxx exceptions are converted at this boundary (see errors.h):
// broken connection -> UNAVAILABLE; unique violation -> ALREADY_EXISTS; serialization
// failure/deadlock -> ABORTED; other SQL errors -> INTERNAL with the SQLSTATE; no free
// connection within acquire_timeout -> UNAVAILABLE. A broken connection is closed together
// with every idle one opened before it, and an idle connection the server closed is replaced
// before use, so the pool recovers by itself once the server is back. Transactions are never
// retried by the pool.
class Pool {
 public:
  // Opens one connection so an unreachable server fails here (UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<Pool>> Connect(const Options& options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs fn inside a transaction (pqxx::work, READ COMMITTED) on a pooled connection; commits
  // when fn returns OK and rolls back otherwise, returning fn's status. Exceptions thrown by fn
  // (e.g. from exec_prepared) or by the commit become a Status as above. fn must not keep the
  // transaction, and must not call InTransaction itself (it would need a second connection).
  absl::Status InTransaction(const std::function<absl::Status(pqxx::work&)>& fn);

  // Runs fn without BEGIN/COMMIT (autocommit: every statement is its own transaction), with the
  // same pooling and error conversion as InTransaction. For reads of a single statement: one
  // round trip instead of three. Statements in one call do not see a common snapshot.
  absl::Status Read(const std::function<absl::Status(pqxx::nontransaction&)>& fn);

  // Registers a named prepared statement on every connection, present and future (applied
  // before the connection's next transaction; prepared on the server on first use). Defining a
  // name again with other SQL replaces it. Errors in `sql` surface when it is first executed.
  void Prepare(std::string name, std::string sql);

  const Options& options() const { return options_; }

 private:
  struct Conn;
  explicit Pool(Options options);

  template <typename Tx>
  absl::Status Run(const std::function<absl::Status(Tx&)>& fn);
  absl::StatusOr<std::unique_ptr<Conn>> Acquire();
  void Release(std::unique_ptr<Conn> conn, bool broken);
  absl::StatusOr<std::unique_ptr<Conn>> Open(uint64_t epoch);
  void ApplyStatements(Conn& conn);

  const Options options_;
  const std::string url_;  // options_.url with connect_timeout.
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Append-only log of (name, sql); each connection applies the entries it has not seen.
  std::vector<std::pair<std::string, std::string>> statements_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::pg
