#include "bench/raw_consume.h"

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fleet::bench {
namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Builds a handle of `type` from `props`; INVALID_ARGUMENT names a rejected property.
absl::StatusOr<KafkaHandle> NewHandle(rd_kafka_type_t type,
                                      const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("librdkafka ", k, "=", v, ": ", err));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("rd_kafka_new: ", err));
  }
  return KafkaHandle(rk);
}

}  // namespace

absl::StatusOr<RawConsumeResult> RawConsume(const RawConsumeOptions& options) {
  if (options.bootstrap.empty() || options.topic.empty() || options.group_id.empty()) {
    return absl::InvalidArgumentError("raw consumer: bootstrap, topic and group_id are required");
  }
  if (options.messages <= 0) return absl::InvalidArgumentError("raw consumer: messages must be > 0");
  // The defaults of //libs/kafka:client's Consumer that matter for throughput.
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", options.bootstrap},
      {"group.id", options.group_id},
      {"client.id", "bench-raw-consumer"},
      {"auto.offset.reset", "earliest"},
      {"enable.auto.commit", "false"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", "100"},
      {"fetch.max.bytes", "52428800"},
      {"max.partition.fetch.bytes", "1048576"},
      {"queued.max.messages.kbytes", "65536"},
      {"partition.assignment.strategy", "range,roundrobin"},
      {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : options.overrides) props[k] = v;
  absl::StatusOr<KafkaHandle> rk = NewHandle(RD_KAFKA_CONSUMER, props);
  if (!rk.ok()) return rk.status();
  rd_kafka_poll_set_consumer(rk->get());

  PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  if (rd_kafka_resp_err_t e = rd_kafka_subscribe(rk->get(), topics.get());
      e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat("raw consumer: subscribe: ", rd_kafka_err2str(e)));
  }

  RawConsumeResult r;
  const absl::Time deadline = start + options.timeout;
  absl::Time first, last;
  absl::Status failure;
  while (r.messages < options.messages) {
    if (absl::Now() > deadline) {
      failure = absl::DeadlineExceededError(absl::StrCat("raw consumer: ", r.messages, " of ",
                                                         options.messages, " records after ",
                                                         absl::FormatDuration(options.timeout)));
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk->get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      last = absl::Now();
      if (r.messages == 0) first = last;
      ++r.messages;
      r.bytes += static_cast<int64_t>(m->len);
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      failure = absl::InternalError(absl::StrCat("raw consumer: fatal: ", rd_kafka_message_errstr(m)));
      rd_kafka_message_destroy(m);
      break;
    }
    rd_kafka_message_destroy(m);
  }
  r.cpu_s = CpuSeconds() - cpu_start;
  rd_kafka_consumer_close(rk->get());
  if (!failure.ok()) return failure;
  r.join_to_first_s = absl::ToDoubleSeconds(first - start);
  r.first_to_last_s = absl::ToDoubleSeconds(last - first);
  r.msgs_per_s = r.first_to_last_s > 0 ? static_cast<double>(r.messages) / r.first_to_last_s : 0;
  return r;
}

absl::StatusOr<TopicRetention> InspectTopic(const std::string& bootstrap, const std::string& topic,
                                            absl::Duration timeout) {
  absl::StatusOr<KafkaHandle> rk = NewHandle(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", bootstrap}, {"client.id", "bench-inspect"},
       {"allow.auto.create.topics", "false"}, {"log.connection.close", "false"}});
  if (!rk.ok()) return rk.status();
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk->get(), 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("metadata of ", topic, ": ", rd_kafka_err2str(e)));
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> guard(
      md, rd_kafka_metadata_destroy);
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
      md->topics[0].partition_cnt == 0) {
    return absl::NotFoundError(absl::StrCat("topic ", topic, " not found"));
  }
  TopicRetention out;
  out.partitions = md->topics[0].partition_cnt;
  for (int i = 0; i < out.partitions; ++i) {
    int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t we = rd_kafka_query_watermark_offsets(
        rk->get(), topic.c_str(), md->topics[0].partitions[i].id, &low, &high, timeout_ms);
    if (we != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(absl::StrCat("watermarks of ", topic, "[", i,
                                                 "]: ", rd_kafka_err2str(we)));
    }
    out.produced += high;
    out.retained += high - low;
    if (low > 0) ++out.truncated_partitions;
  }
  return out;
}

}  // namespace fleet::bench
