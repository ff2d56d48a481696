#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleet::bench {

// A bare librdkafka (C API) high-level consumer: the "raw" ceiling that device-online's uplink
// rate is compared against. Same fetch settings as //libs/kafka:client's Consumer, so the ratio
// measures what the service adds (copying, decoding, Redis), not different fetch tuning.
struct RawConsumeOptions {
  std::string bootstrap;
  std::string topic;
  std::string group_id;  // should be fresh, so consumption starts at the earliest offset
  int64_t messages = 0;  // stop after this many records (> 0)
  absl::Duration timeout = absl::Minutes(10);
  std::map<std::string, std::string> overrides;  // librdkafka properties, win over defaults
};

struct RawConsumeResult {
  int64_t messages = 0;
  int64_t bytes = 0;                // payload bytes
  double join_to_first_s = 0;       // subscribe until the first record (group join, first fetch)
  double first_to_last_s = 0;       // first record until the last one
  double msgs_per_s = 0;            // messages / first_to_last_s
  double cpu_s = 0;                 // user+system CPU of this process during the run
};

// Subscribes to options.topic in options.group_id and consumes until options.messages records
// arrived. INVALID_ARGUMENT for bad options, DEADLINE_EXCEEDED (with the count so far) when the
// timeout passes first, INTERNAL on a fatal client error. Blocking; not thread-safe.
absl::StatusOr<RawConsumeResult> RawConsume(const RawConsumeOptions& options);

struct TopicRetention {
  int partitions = 0;
  int64_t produced = 0;   // sum of high watermarks
  int64_t retained = 0;   // sum of (high - low): what a consumer from the start can read
  int truncated_partitions = 0;  // partitions whose low watermark is above 0
};

// Reads the topic's partitions and watermarks from the cluster (a mock cluster silently drops old
// records past its retention, which would make a benchmark count wrong). UNAVAILABLE if the
// metadata or a watermark cannot be read within `timeout`, NOT_FOUND for an unknown topic (the
// librdkafka mock never says so: it auto-creates any topic named in a metadata request).
absl::StatusOr<TopicRetention> InspectTopic(const std::string& bootstrap, const std::string& topic,
                                            absl::Duration timeout = absl::Seconds(10));

}  // namespace fleet::bench
