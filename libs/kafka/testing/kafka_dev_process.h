#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace fleet::kafka::testing {

// A kafka-dev (librdkafka mock cluster) child process for tests.
// The destructor sends SIGTERM, waits up to 5 s, then SIGKILLs. The child also
// gets SIGTERM if the thread that started it exits (PR_SET_PDEATHSIG), so start
// it from the test's main thread. Not thread-safe.
class KafkaDevProcess {
 public:
  ~KafkaDevProcess();
  KafkaDevProcess(const KafkaDevProcess&) = delete;
  KafkaDevProcess& operator=(const KafkaDevProcess&) = delete;

  // "host:port,host:port,host:port"
  const std::string& bootstrap() const { return bootstrap_; }
  pid_t pid() const { return pid_; }

 private:
  friend absl::StatusOr<std::unique_ptr<KafkaDevProcess>> StartKafkaDev(
      std::vector<std::pair<std::string, int>> topics);
  KafkaDevProcess(pid_t pid, std::string dir, std::string bootstrap)
      : pid_(pid), dir_(std::move(dir)), bootstrap_(std::move(bootstrap)) {}

  pid_t pid_;
  std::string dir_;
  std::string bootstrap_;
};

// Starts kafka-dev with 3 brokers and the given {topic, partitions}
// pre-created, and waits (up to 15 s) until it is ready. Finds the binary via
// $FLEET_KAFKA_DEV_BIN, else the runfiles path tools/kafka-dev/kafka-dev
// (under $TEST_SRCDIR/fleetd, $RUNFILES_DIR/fleetd or the working directory);
// this library brings it in as `data`. NOT_FOUND if the binary is
// missing; UNAVAILABLE if it exits or does not become ready in time.
absl::StatusOr<std::unique_ptr<KafkaDevProcess>> StartKafkaDev(
    std::vector<std::pair<std::string, int>> topics);

}  // namespace fleet::kafka::testing
