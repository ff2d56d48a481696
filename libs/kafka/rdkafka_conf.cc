#include "libs/kafka/rdkafka_conf.h"

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
  struct Entry {
    absl::Time last;
    int64_t suppressed = 0;
  };
  static absl::Mutex mu(absl::kConstInit);
  static auto* entries ABSL_GUARDED_BY(mu) = new absl::flat_hash_map<std::string, Entry>();
  const absl::Time now = absl::Now();
  int64_t suppressed = 0;
  {
    absl::MutexLock lock(&mu);
    Entry& e = (*entries)[key];
    if (now - e.last < absl::Seconds(10)) {
      ++e.suppressed;
      return;
    }
    e.last = now;
    suppressed = e.suppressed;
    e.suppressed = 0;
  }
  if (suppressed > 0) {
    std::fprintf(stderr, "WARN kafka: %s (%lld similar suppressed)\n", message.c_str(),
                 static_cast<long long>(suppressed));
  } else {
    std::fprintf(stderr, "WARN kafka: %s\n", message.c_str());
  }
}

}  // namespace fleet::kafka::internal
