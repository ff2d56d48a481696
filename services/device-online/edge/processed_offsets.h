#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/kafka/message.h"

namespace fleet::online {

// What this process has already applied, per partition: the offset after the highest record
// applied. Shared by the process's consumer threads.
//
// Why: delivery is at least once. When a rebalance moves a partition from one of this process's
// consumers to another before the first one's offsets were committed (e.g. the two threads
// join one after the other while the first is applying a large backlog batch), the records it
// already applied arrive again. They are recognised here and skipped instead of being applied
// and counted a second time. Records redelivered to another process (or after a restart) are
// applied again, which the presence store tolerates (they are older than what it holds).
// Thread-safe.
class ProcessedOffsets {
 public:
  // Claims the records of `batch` for the calling consumer, and moves those this process has
  // already applied into the returned vector (order kept in both). When another consumer of
  // the process is still applying records of one of these partitions, waits until it has
  // finished (Applied) or given up (Release), so a record is never applied twice at once.
  // Every Claim must be followed by Applied or Release of the same (remaining) batch.
  std::vector<kafka::Message> Claim(std::vector<kafka::Message>& batch);

  // Records that every record of `batch` (as left by Claim) has been applied.
  void Applied(const std::vector<kafka::Message>& batch);

  // Gives up the claim on `batch` without applying it (e.g. at shutdown while the store is
  // down): another consumer may then apply those records.
  void Release(const std::vector<kafka::Message>& batch);

 private:
  using Partition = std::pair<std::string, int32_t>;
  struct State {
    int64_t applied = 0;  // offset after the highest record applied
    int64_t claimed = 0;  // offset after the highest record claimed; > applied while applying
  };
  bool Idle(const std::vector<Partition>* partitions) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<Partition, State> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleet::online
