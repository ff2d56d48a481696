#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bff/call_context.h"
#include "fleet/presence/v1/presence.grpc.pb.h"

namespace fleet::bff {

// A live stream of every device's presence transitions (device-online WatchPresence).
class PresenceWatch {
 public:
  virtual ~PresenceWatch() = default;
  // Blocks until device-online has subscribed the stream: from then on every transition it
  // learns of is delivered. An error when the stream could not be opened (then it is over).
  virtual absl::Status WaitOpen() = 0;
  // Blocks for the next transition; false once the stream has ended (Finish() says why).
  virtual bool Next(presence::v1::PresenceTransition* out) = 0;
  // From any thread: ends the stream, so that a blocked WaitOpen() or Next() returns.
  virtual void Cancel() = 0;
  // Why the stream ended; call it after Next() returned false or WaitOpen() failed (else it
  // waits for the stream to end).
  virtual absl::Status Finish() = 0;
};

// What the BFF needs from device-online. Thread-safe. Errors carry the service's reason.
class PresenceBackend {
 public:
  virtual ~PresenceBackend() = default;
  virtual absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext&) = 0;
  // Up to 1,000 devices in one call (device-online BatchGetPresence): unknown devices in `missing`.
  virtual absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(
      const presence::v1::BatchGetPresenceRequest& req, const CallContext&) = 0;
  virtual absl::StatusOr<presence::v1::ListPresenceResponse> List(
      const presence::v1::ListPresenceRequest& req, const CallContext&) = 0;
  // One device's presence transitions, newest first (device-online ListPresenceHistory).
  virtual absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext&) = 0;
  // Starts a stream of every device's transitions (call WaitOpen() next).
  virtual std::unique_ptr<PresenceWatch> Watch() = 0;
  // OK when device-online answers its health check.
  virtual absl::Status Ready() = 0;
};

struct PresenceBatchOptions {
  // Most devices in one BatchGetPresence; 1 = every Get is its own GetPresence.
  size_t max_batch = 1;
  // Calls to device-online out at once; Gets arriving meanwhile share the next one.
  int max_inflight = 4;
};

// A PresenceBackend whose Get calls made at the same time by many request threads share
// BatchGetPresence calls (batching::GroupCommit): a Get alone is still one GetPresence, so nothing
// ever waits for a batch to fill; under load, the Gets that arrive while max_inflight calls are
// out go together in the next one. Answers are the same as GetPresence's: NOT_FOUND /
// PRESENCE_NOT_FOUND for a device never seen; a name that is not "devices/{valid id}/presence"
// goes alone to GetPresence (and its error); a failed batch call fails every Get in it with that
// call's status. A shared call carries the request id of, and is traced under, the request that
// sent it, with the earliest deadline of its Gets. Every other call passes through. Thread-safe.
std::unique_ptr<PresenceBackend> NewBatchingPresenceBackend(std::unique_ptr<PresenceBackend> inner,
                                                            PresenceBatchOptions options);

// device-online over gRPC (target like "127.0.0.1:7001" or "dns:///device-online:7001").
std::unique_ptr<PresenceBackend> NewGrpcPresenceBackend(const std::string& target);

}  // namespace fleet::bff
