#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/http/server.h"
#include "libs/redis/client.h"

namespace fleet::bff::idempotency {

// A stored response (what a replay returns).
struct StoredResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What Begin found for a key.
struct BeginResult {
  enum class Kind { kNew, kInProgress, kReplay, kMismatch };
  Kind kind = Kind::kNew;
  StoredResponse response;  // kReplay
};

// Where keys live. Thread-safe. Errors: UNAVAILABLE.
class Store {
 public:
  virtual ~Store() = default;
  // Atomically: an unknown key is recorded as in progress with `fingerprint` (for
  // `pending_ttl`) and kNew is returned; a known key with another fingerprint is kMismatch; a key
  // in progress is kInProgress; a completed key is kReplay with its response.
  virtual absl::StatusOr<BeginResult> Begin(const std::string& key, const std::string& fingerprint,
                                            absl::Duration pending_ttl) = 0;
  // Stores the response of a key Begin returned kNew for, kept for `ttl`.
  virtual absl::Status Complete(const std::string& key, const StoredResponse& response, absl::Duration ttl) = 0;
  // Forgets a key (its request failed in a way a retry should redo).
  virtual absl::Status Abandon(const std::string& key) = 0;
};

class MemoryStore : public Store {
 public:
  explicit MemoryStore(Clock& clock) : clock_(clock) {}
  absl::StatusOr<BeginResult> Begin(const std::string& key, const std::string& fingerprint,
                                    absl::Duration pending_ttl) override;
  absl::Status Complete(const std::string& key, const StoredResponse& response, absl::Duration ttl) override;
  absl::Status Abandon(const std::string& key) override;

 private:
  struct Entry {
    std::string fingerprint;
    bool done = false;
    StoredResponse response;
    absl::Time expire;
  };
  Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// Redis hash per key ("<prefix>idem:<key>": fp, done, status, ctype, headers, body) with a
// PEXPIRE; Begin is one Lua script (atomic across replicas).
class RedisStore : public Store {
 public:
  RedisStore(redis::Client& redis, std::string prefix = "fleet:bff:") : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<BeginResult> Begin(const std::string& key, const std::string& fingerprint,
                                    absl::Duration pending_ttl) override;
  absl::Status Complete(const std::string& key, const StoredResponse& response, absl::Duration ttl) override;
  absl::Status Abandon(const std::string& key) override;

 private:
  redis::Client& redis_;
  const std::string prefix_;
};

struct Options {
  absl::Duration ttl = absl::Hours(24);          // completed keys are replayed this long
  absl::Duration pending_ttl = absl::Minutes(1);  // a crashed request frees its key after this
};

// Honours `Idempotency-Key` on POST requests (draft-ietf-httpapi-idempotency-key-header): the
// first request with a key runs; a repeat with the same key (same caller, same method, path and
// body) gets the stored response with `Idempotency-Replayed: true` and runs nothing; a repeat
// while the first still runs gets 409 IDEMPOTENCY_IN_PROGRESS (Retry-After: 1); the key reused
// with another request gets 422-style 400 IDEMPOTENCY_KEY_REUSED. 5xx responses are not stored (a
// retry runs again). A key must be 1..255 printable ASCII characters (else 400 INVALID_FIELD).
// When the store is unreachable the request runs without the guarantee (logged). Thread-safe.
class Guard {
 public:
  Guard(Store& store, Options options = {}) : store_(store), options_(options) {}
  // `caller`: who is asking (user or key id): keys of different callers never collide.
  http::Response Handle(const http::Request& r, const std::string& caller,
                        const std::function<http::Response()>& run);

 private:
  Store& store_;
  const Options options_;
};

}  // namespace fleet::bff::idempotency
