#include "libs/kafka/rdkafka_conf.h"

#include "libs/log/log.h"

#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace fleet::kafka::internal {

absl::StatusOr<rd_kafka_conf_t*> BuildConf(const std::map<std::string, std::string>& defaults,
                                           const std::map<std::string, std::string>& overrides) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto* settings : {&defaults, &overrides}) {
    for (const auto& [key, value] : *settings) {
      if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return absl::InvalidArgumentError(
            absl::StrCat("kafka config '", key, "'='", value, "': ", err));
      }
    }
  }
  return conf;
}

void WarnRateLimited(const std::string& key, const std::string& message) {
  log::WarnEvery("kafka:" + key, absl::Seconds(10), message);
}

}  // namespace fleet::kafka::internal
