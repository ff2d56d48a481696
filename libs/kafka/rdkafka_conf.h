#pragma once

// Internal: building rd_kafka_conf_t from defaults plus overrides.

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace fleet::kafka::internal {

// Owns an rd_kafka_conf_t until it is released to rd_kafka_new.
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};

// A new conf with `defaults`, then `overrides` (which win) applied.
// INVALID_ARGUMENT naming the property when librdkafka rejects one.
absl::StatusOr<rd_kafka_conf_t*> BuildConf(const std::map<std::string, std::string>& defaults,
                                           const std::map<std::string, std::string>& overrides);

// Rate-limited stderr warning (at most one line per key every 10 s; the number
// of suppressed lines is reported with the next one). Thread-safe.
void WarnRateLimited(const std::string& key, const std::string& message);

}  // namespace fleet::kafka::internal
