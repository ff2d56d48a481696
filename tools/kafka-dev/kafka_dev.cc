// kafka-dev: a local Kafka-compatible cluster for development and tests.
//
// Runs librdkafka's built-in mock cluster (Apache Kafka is not packaged here).
// Usage:
//   kafka-dev [--brokers=3] [--bootstrap_file=PATH] [--topic=NAME:PARTITIONS]...
//             [--default_partitions=4]
// Pre-creates every --topic, then writes the bootstrap servers string to
// --bootstrap_file (atomically, via rename) and to stdout, logs one "ready"
// line to stderr and serves until SIGTERM/SIGINT, then exits 0.
//
// Topics that were not pre-created are auto-created by the mock on first use:
// any Metadata request naming an unknown topic creates it (a producer sending
// to it, a consumer subscribing to it, even with allow.auto.create.topics=false)
// with kMockAutoCreatePartitions partitions. librdkafka 2.0.2 has no API to
// change that count, so --default_partitions accepts only that value (it
// exists so scripts can state and check their assumption).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

// Partition count of topics the mock auto-creates (fixed in librdkafka 2.0.2).
constexpr int kMockAutoCreatePartitions = 4;

struct Flags {
  int brokers = 3;
  std::string bootstrap_file;
  std::vector<std::pair<std::string, int>> topics;
  int default_partitions = kMockAutoCreatePartitions;
};

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--brokers=3] [--bootstrap_file=PATH] "
               "[--topic=NAME:PARTITIONS]... [--default_partitions=4]\n",
               argv0);
}

bool ParseInt(const std::string& s, int min, int* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > 100000) return false;
  *out = static_cast<int>(v);
  return true;
}

// Returns false (after printing why) on a bad command line.
bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value_of = [&](const std::string& name, std::string* value) {
      const std::string prefix = "--" + name + "=";
      if (arg.rfind(prefix, 0) != 0) return false;
      *value = arg.substr(prefix.size());
      return true;
    };
    std::string v;
    if (value_of("brokers", &v)) {
      if (!ParseInt(v, 1, &flags->brokers)) {
        std::fprintf(stderr, "kafka-dev: bad --brokers value '%s'\n", v.c_str());
        return false;
      }
    } else if (value_of("bootstrap_file", &v)) {
      flags->bootstrap_file = v;
    } else if (value_of("default_partitions", &v)) {
      if (!ParseInt(v, 1, &flags->default_partitions) ||
          flags->default_partitions != kMockAutoCreatePartitions) {
        std::fprintf(stderr,
                     "kafka-dev: --default_partitions=%s unsupported: the librdkafka mock always "
                     "auto-creates topics with %d partitions; pre-create with --topic=NAME:N\n",
                     v.c_str(), kMockAutoCreatePartitions);
        return false;
      }
    } else if (value_of("topic", &v)) {
      const size_t colon = v.rfind(':');
      int partitions = 0;
      if (colon == std::string::npos || colon == 0 ||
          !ParseInt(v.substr(colon + 1), 1, &partitions)) {
        std::fprintf(stderr, "kafka-dev: bad --topic value '%s' (want NAME:PARTITIONS)\n",
                     v.c_str());
        return false;
      }
      flags->topics.emplace_back(v.substr(0, colon), partitions);
    } else {
      std::fprintf(stderr, "kafka-dev: unknown argument '%s'\n", arg.c_str());
      return false;
    }
  }
  return true;
}

bool SetConf(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "kafka-dev: config %s=%s: %s\n", key, value.c_str(), err);
    return false;
  }
  return true;
}

// Writes `content` to `path` via a temporary file and rename(2), so readers
// never see a partial file.
bool WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "kafka-dev: cannot write %s: %s\n", tmp.c_str(), std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) {
    std::fprintf(stderr, "kafka-dev: cannot write %s\n", tmp.c_str());
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "kafka-dev: rename to %s: %s\n", path.c_str(), std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    Usage(argv[0]);
    return 2;
  }

  // Block the stop signals before librdkafka starts its threads, so that
  // only sigwait() below ever receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the mock cluster; it never connects anywhere.
  if (!SetConf(conf, "log_level", "3")) return 1;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "kafka-dev: rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* mcluster = rd_kafka_mock_cluster_new(rk, flags.brokers);
  if (mcluster == nullptr) {
    std::fprintf(stderr, "kafka-dev: cannot create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (const auto& [name, partitions] : flags.topics) {
    const rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mcluster, name.c_str(), partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "kafka-dev: create topic %s: %s\n", name.c_str(), rd_kafka_err2str(e));
      rd_kafka_mock_cluster_destroy(mcluster);
      rd_kafka_destroy(rk);
      return 1;
    }
  }

  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mcluster);
  if (!flags.bootstrap_file.empty() && !WriteFileAtomically(flags.bootstrap_file, bootstrap)) {
    rd_kafka_mock_cluster_destroy(mcluster);
    rd_kafka_destroy(rk);
    return 1;
  }
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "kafka-dev: ready: %d brokers at %s, %zu topics pre-created\n",
               flags.brokers, bootstrap.c_str(), flags.topics.size());

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  std::fprintf(stderr, "kafka-dev: %s received, shutting down\n", strsignal(sig));
  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  if (!flags.bootstrap_file.empty()) std::remove(flags.bootstrap_file.c_str());
  return 0;
}
