#include "libs/kafka/consumer.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/kafka/rdkafka_conf.h"

namespace fleet::kafka {
namespace {

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

constexpr int kMetadataTimeoutMs = 10000;

Message ToMessage(const rd_kafka_message_t* m) {
  Message out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  if (m->key != nullptr) out.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) out.payload.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t ts_type;
  const int64_t ts = rd_kafka_message_timestamp(m, &ts_type);
  out.timestamp_ms = ts_type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : ts;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
    const size_t n = rd_kafka_header_cnt(hdrs);
    out.headers.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const char* name;
      const void* value;
      size_t size;
      if (rd_kafka_header_get_all(hdrs, i, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        break;
      }
      out.headers.push_back(
          {name, value != nullptr ? std::string(static_cast<const char*>(value), size) : ""});
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ConsumerOptions& options) {
  if (options.bootstrap.empty() && !options.overrides.count("bootstrap.servers")) {
    return absl::InvalidArgumentError("kafka consumer: bootstrap servers are empty");
  }
  if (options.topics.empty()) return absl::InvalidArgumentError("kafka consumer: no topics");
  if (options.assign_all_from_end != options.group_id.empty()) {
    return absl::InvalidArgumentError(
        "kafka consumer: set exactly one of group_id and assign_all_from_end");
  }
  std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.bootstrap},
      {"client.id", "fleetd"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"fetch.wait.max.ms", "100"},
      {"fetch.max.bytes", "52428800"},
      {"max.partition.fetch.bytes", "1048576"},
      {"queued.max.messages.kbytes", "65536"},
      {"log.connection.close", "false"},
  };
  if (options.assign_all_from_end) {
    // librdkafka's assign() needs a group handle; this group is never joined
    // and never committed to.
    defaults["group.id"] = absl::StrCat("fleetd.unjoined.", absl::ToUnixNanos(absl::Now()), ".",
                                        reinterpret_cast<uintptr_t>(&options));
    defaults["enable.auto.commit"] = "false";
  } else {
    defaults["group.id"] = options.group_id;
    defaults["enable.auto.commit"] = "true";
    defaults["auto.commit.interval.ms"] = "5000";
    defaults["partition.assignment.strategy"] = "range,roundrobin";
  }
  absl::StatusOr<rd_kafka_conf_t*> conf = internal::BuildConf(defaults, options.overrides);
  if (!conf.ok()) return conf.status();
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));
  }
  rd_kafka_poll_set_consumer(rk);  // serve logs, errors and rebalances from Poll
  std::unique_ptr<Consumer> consumer(new Consumer(rk, !options.assign_all_from_end));
  if (options.assign_all_from_end) {
    if (absl::Status s = consumer->AssignAllFromEnd(options.topics); !s.ok()) return s;
    return consumer;
  }
  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const std::string& t : options.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat("kafka consumer: subscribe: ", rd_kafka_err2str(e)));
  }
  return consumer;
}

absl::Status Consumer::AssignAllFromEnd(const std::vector<std::string>& topics) {
  PartitionList assignment(rd_kafka_topic_partition_list_new(16));
  for (const std::string& topic : topics) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk_, 0, rkt, &md, kMetadataTimeoutMs);
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("kafka consumer: metadata for ", topic, ": ", rd_kafka_err2str(e)));
    }
    const rd_kafka_metadata_topic_t* t = md->topic_cnt == 1 ? &md->topics[0] : nullptr;
    if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt == 0) {
      const std::string why = t == nullptr ? "no metadata" : rd_kafka_err2str(t->err);
      rd_kafka_metadata_destroy(md);
      return absl::UnavailableError(absl::StrCat("kafka consumer: topic ", topic, ": ", why));
    }
    for (int i = 0; i < t->partition_cnt; ++i) {
      const int32_t partition = t->partitions[i].id;
      int64_t low = 0, high = 0;
      e = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &low, &high,
                                           kMetadataTimeoutMs);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        return absl::UnavailableError(absl::StrCat("kafka consumer: watermarks of ", topic, "[",
                                                   partition, "]: ", rd_kafka_err2str(e)));
      }
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = high;
    }
    rd_kafka_metadata_destroy(md);
  }
  if (rd_kafka_resp_err_t e = rd_kafka_assign(rk_, assignment.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("kafka consumer: assign: ", rd_kafka_err2str(e)));
  }
  return absl::OkStatus();
}

Consumer::~Consumer() {
  Close().IgnoreError();
  rd_kafka_destroy(rk_);
}

absl::StatusOr<std::vector<Message>> Consumer::Poll(size_t max, absl::Duration timeout) {
  if (closed_) return absl::FailedPreconditionError("kafka consumer: closed");
  std::vector<Message> batch;
  const absl::Time deadline = absl::Now() + timeout;
  while (batch.size() < max) {
    int wait_ms = 0;
    if (batch.empty()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      wait_ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait_ms);
    if (m == nullptr) {
      if (batch.empty()) continue;  // loop re-checks the deadline
      break;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      batch.push_back(ToMessage(m));
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_fatal_error(rk_, reason, sizeof(reason));
      rd_kafka_message_destroy(m);
      return absl::InternalError(absl::StrCat("kafka consumer: fatal error: ", reason));
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      internal::WarnRateLimited(absl::StrCat("consumer:", rd_kafka_err2name(m->err)),
                                absl::StrCat("consumer: ", rd_kafka_message_errstr(m)));
    }
    rd_kafka_message_destroy(m);
  }
  return batch;
}

absl::Status Consumer::MarkProcessed(const std::vector<Message>& batch) {
  if (!has_group_ || batch.empty()) return absl::OkStatus();
  std::map<std::pair<std::string_view, int32_t>, int64_t> next;
  for (const Message& m : batch) {
    int64_t& n = next[{m.topic, m.partition}];
    if (m.offset + 1 > n) n = m.offset + 1;
  }
  PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [tp, offset] : next) {
    const std::string topic(tp.first);
    rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), tp.second)->offset = offset;
  }
  const rd_kafka_resp_err_t e = rd_kafka_offsets_store(rk_, offsets.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR__STATE) {
    return absl::InternalError(absl::StrCat("kafka consumer: store offsets: ", rd_kafka_err2str(e)));
  }
  for (int i = 0; i < offsets->cnt; ++i) {
    const rd_kafka_resp_err_t pe = offsets->elems[i].err;
    if (pe != RD_KAFKA_RESP_ERR_NO_ERROR && pe != RD_KAFKA_RESP_ERR__STATE) {
      return absl::InternalError(absl::StrCat("kafka consumer: store offset ",
                                              offsets->elems[i].topic, "[",
                                              offsets->elems[i].partition, "]: ",
                                              rd_kafka_err2str(pe)));
    }
  }
  return absl::OkStatus();
}

absl::Status Consumer::CommitSync() {
  if (!has_group_ || closed_) return absl::OkStatus();
  const rd_kafka_resp_err_t e = rd_kafka_commit(rk_, nullptr, /*async=*/0);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR__NO_OFFSET) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("kafka consumer: commit: ", rd_kafka_err2str(e)));
}

std::vector<Consumer::PartitionLag> Consumer::Lag() {
  std::vector<PartitionLag> out;
  if (closed_) return out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  PartitionList assignment(raw);
  rd_kafka_position(rk_, assignment.get());
  out.reserve(assignment->cnt);
  for (int i = 0; i < assignment->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = assignment->elems[i];
    int64_t low = RD_KAFKA_OFFSET_INVALID, high = RD_KAFKA_OFFSET_INVALID;
    if (rd_kafka_get_watermark_offsets(rk_, p.topic, p.partition, &low, &high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      high = RD_KAFKA_OFFSET_INVALID;
    }
    out.push_back({p.topic, p.partition, p.offset, high});
  }
  return out;
}

absl::Status Consumer::Close() {
  if (closed_) return absl::OkStatus();
  absl::Status commit = CommitSync();
  closed_ = true;
  const rd_kafka_resp_err_t e = rd_kafka_consumer_close(rk_);
  if (!commit.ok()) return commit;
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka consumer: close: ", rd_kafka_err2str(e)));
  }
  return absl::OkStatus();
}

}  // namespace fleet::kafka
