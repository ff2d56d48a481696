#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/redis/client.h"

namespace fleet::bff::commands {

// A camera stream a device is serving.
struct LiveStream {
  std::string stream_id;
  std::string url;
  std::string quality;
  absl::Time start_time = absl::InfinitePast();
  absl::Time expire_time = absl::InfinitePast();
  bool operator==(const LiveStream&) const = default;
};

// Which devices have a live stream, shared by every BFF replica, so that a repeated startStream
// returns the running stream instead of restarting it. Thread-safe. Errors: UNAVAILABLE.
class StreamStore {
 public:
  virtual ~StreamStore() = default;
  // The device's stream unless it expired.
  virtual absl::StatusOr<std::optional<LiveStream>> Get(const std::string& device_id) = 0;
  // Stored until s.expire_time.
  virtual absl::Status Put(const std::string& device_id, const LiveStream& s) = 0;
  virtual absl::Status Delete(const std::string& device_id) = 0;
  // Single flight of a stream start across replicas: true = this caller holds the device's start
  // lock (for at most `ttl`, or until Unlock).
  virtual absl::StatusOr<bool> TryLock(const std::string& device_id, absl::Duration ttl) = 0;
  virtual absl::Status Unlock(const std::string& device_id) = 0;
};

// In one process (tests; a BFF without Redis).
class MemoryStreamStore : public StreamStore {
 public:
  explicit MemoryStreamStore(Clock& clock) : clock_(clock) {}
  absl::StatusOr<std::optional<LiveStream>> Get(const std::string& device_id) override;
  absl::Status Put(const std::string& device_id, const LiveStream& s) override;
  absl::Status Delete(const std::string& device_id) override;
  absl::StatusOr<bool> TryLock(const std::string& device_id, absl::Duration ttl) override;
  absl::Status Unlock(const std::string& device_id) override;

 private:
  Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, LiveStream> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> locks_ ABSL_GUARDED_BY(mu_);
};

// In Redis: "<prefix>stream:<device>" (value with a PX expiry at expire_time) and
// "<prefix>stream-lock:<device>" (SET NX PX).
class RedisStreamStore : public StreamStore {
 public:
  RedisStreamStore(redis::Client& redis, Clock& clock, std::string prefix = "fleet:bff:")
      : redis_(redis), clock_(clock), prefix_(std::move(prefix)) {}
  absl::StatusOr<std::optional<LiveStream>> Get(const std::string& device_id) override;
  absl::Status Put(const std::string& device_id, const LiveStream& s) override;
  absl::Status Delete(const std::string& device_id) override;
  absl::StatusOr<bool> TryLock(const std::string& device_id, absl::Duration ttl) override;
  absl::Status Unlock(const std::string& device_id) override;

 private:
  redis::Client& redis_;
  Clock& clock_;
  const std::string prefix_;
};

}  // namespace fleet::bff::commands
