// Black-box test of the kafka-dev binary: flags, readiness, topics, shutdown.
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

std::string Binary() {
  const char* srcdir = getenv("TEST_SRCDIR");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/fleetd/tools/kafka-dev/kafka-dev";
}

std::string TmpDir() {
  const char* d = getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string WaitForFile(const std::string& path) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) return line;
    usleep(20000);
  }
  return "";
}

// Partition count of `topic` as the cluster reports it (this request also
// auto-creates unknown topics on the mock).
int Partitions(const std::string& bootstrap, const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return n;
}

TEST(KafkaDevTest, PreCreatesTopicsAutoCreatesOthersAndStopsOnSigterm) {
  const std::string file = TmpDir() + "/bootstrap-1";
  const pid_t pid = Spawn({Binary(), "--brokers=3", "--bootstrap_file=" + file,
                           "--topic=edge.up:8", "--topic=fleet.presence:2",
                           "--default_partitions=4"});
  const std::string bootstrap = WaitForFile(file);
  ASSERT_FALSE(bootstrap.empty());
  EXPECT_EQ(std::count(bootstrap.begin(), bootstrap.end(), ','), 2) << bootstrap;  // 3 brokers
  EXPECT_EQ(Partitions(bootstrap, "edge.up"), 8);
  EXPECT_EQ(Partitions(bootstrap, "fleet.presence"), 2);
  EXPECT_EQ(Partitions(bootstrap, "edge.dev-42.down"), 4);  // auto-created
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid), 0);
  EXPECT_FALSE(std::ifstream(file).good());  // removed on shutdown
}

TEST(KafkaDevTest, SigintAlsoStopsCleanly) {
  const std::string file = TmpDir() + "/bootstrap-2";
  const pid_t pid = Spawn({Binary(), "--brokers=1", "--bootstrap_file=" + file});
  ASSERT_FALSE(WaitForFile(file).empty());
  ASSERT_EQ(kill(pid, SIGINT), 0);
  EXPECT_EQ(WaitExit(pid), 0);
}

TEST(KafkaDevTest, RejectsBadFlags) {
  for (const char* bad : {"--topic=nopartitions", "--topic=t:0", "--brokers=0", "--bogus=1",
                          "--default_partitions=7"}) {
    EXPECT_EQ(WaitExit(Spawn({Binary(), bad})), 2) << bad;
  }
}

}  // namespace
