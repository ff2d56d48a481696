#include "services/task/config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::task {
namespace {

absl::Status Load(std::vector<std::string> args, std::map<std::string, std::string> env, Config& cfg) {
  config::FlagSet flags("task");
  cfg.Register(flags);
  std::vector<char*> argv{const_cast<char*>("task")};
  for (std::string& a : args) argv.push_back(a.data());
  if (absl::Status st = flags.Parse(static_cast<int>(argv.size()), argv.data(), &env); !st.ok()) return st;
  return cfg.Finish();
}

TEST(Config, DefaultsAndSlices) {
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=postgresql://x/task", "--kafka_bootstrap=k:9092", "--sweep_batch=50"},
                   {{"FLEET_OFFLINE_RECHECK", "20s"}}, cfg)
                  .ok());
  EXPECT_EQ(cfg.grpc_address, "127.0.0.1:7004");
  EXPECT_EQ(cfg.admin_port, 9104);
  EXPECT_EQ(cfg.kafka_group, "task");
  EXPECT_EQ(cfg.rollout.sweep_limit, 50);
  EXPECT_EQ(cfg.rollout.offline_recheck, absl::Seconds(20));
  EXPECT_EQ(cfg.manager.limits.max_targets, 100'000);
}

TEST(Config, NamesTheBadFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--kafka_bootstrap=k"}, "--pg_url"},
      {{"--pg_url=p"}, "--kafka_bootstrap"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--tick_interval=1ms"}, "--tick_interval"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--grpc_address=7004"}, "--grpc_address"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--pg_pool=1"}, "--pg_pool"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--presence_parallel=0"}, "--presence_parallel"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--device_online="}, "--device_online"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--consumer_threads=0"}, "--consumer_threads"},
      {{"--pg_url=p", "--kafka_bootstrap=k", "--kafka_session_timeout=0s"}, "--kafka_session_timeout"},
  };
  for (const auto& [args, flag] : cases) {
    Config cfg;
    absl::Status st = Load(args, {}, cfg);
    EXPECT_FALSE(st.ok()) << flag;
    EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr(flag));
  }
}

}  // namespace
}  // namespace fleet::task
