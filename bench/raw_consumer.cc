// raw_consumer: the bare-librdkafka ceiling for `bench/run presence`.
//   raw_consumer --kafka_bootstrap=B --topic=T --messages=N [--group=G] [--timeout=10m]
//     joins a fresh group, consumes N records, prints one JSON line with msgs_per_s.
//   raw_consumer --kafka_bootstrap=B --topic=T --inspect
//     prints the topic's partitions and produced / retained record counts as one JSON line.
// Exit 0 on success, 1 on failure (reason on stderr), 2 on a bad command line.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/raw_consume.h"
#include "libs/config/flags.h"

int main(int argc, char** argv) {
  std::string bootstrap, topic, group;
  int64_t messages = 0;
  absl::Duration timeout = absl::Minutes(10);
  bool inspect = false;
  fleet::config::FlagSet flags("raw_consumer");
  flags.String("kafka_bootstrap", &bootstrap, "Kafka bootstrap servers");
  flags.String("topic", &topic, "topic to consume");
  flags.Int("messages", &messages, "records to consume before stopping");
  flags.String("group", &group, "consumer group (default: a fresh bench-raw-<ns> group)");
  flags.Duration("timeout", &timeout, "give up after this long");
  flags.Bool("inspect", &inspect, "only print partition count and retained records");
  flags.ParseOrExit(argc, argv);
  if (bootstrap.empty() || topic.empty()) {
    std::fprintf(stderr, "raw_consumer: --kafka_bootstrap and --topic are required\n");
    return 2;
  }

  if (inspect) {
    absl::StatusOr<fleet::bench::TopicRetention> t = fleet::bench::InspectTopic(bootstrap, topic);
    if (!t.ok()) {
      std::fprintf(stderr, "raw_consumer: %s\n", t.status().ToString().c_str());
      return 1;
    }
    std::printf("{\"topic\":\"%s\",\"partitions\":%d,\"produced\":%lld,\"retained\":%lld,"
                "\"truncated_partitions\":%d}\n",
                topic.c_str(), t->partitions, static_cast<long long>(t->produced),
                static_cast<long long>(t->retained), t->truncated_partitions);
    return 0;
  }

  if (messages <= 0) {
    std::fprintf(stderr, "raw_consumer: --messages must be > 0\n");
    return 2;
  }
  if (group.empty()) group = absl::StrCat("bench-raw-", absl::ToUnixNanos(absl::Now()));
  absl::StatusOr<fleet::bench::RawConsumeResult> r = fleet::bench::RawConsume(
      {.bootstrap = bootstrap, .topic = topic, .group_id = group, .messages = messages,
       .timeout = timeout});
  if (!r.ok()) {
    std::fprintf(stderr, "raw_consumer: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n",
              absl::StrFormat("{\"messages\":%d,\"bytes\":%d,\"join_to_first_s\":%.3f,"
                              "\"first_to_last_s\":%.3f,\"msgs_per_s\":%.0f,\"cpu_s\":%.2f}",
                              r->messages, r->bytes, r->join_to_first_s, r->first_to_last_s,
                              r->msgs_per_s, r->cpu_s)
                  .c_str());
  return 0;
}
