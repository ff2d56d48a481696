#include "services/device-online/config.h"

#include "gtest/gtest.h"

namespace fleet::online {
namespace {

absl::Status Load(std::vector<std::string> args, Config& cfg,
                  std::map<std::string, std::string> env = {}) {
  config::FlagSet flags("device-online");
  cfg.Register(flags);
  std::vector<char*> argv = {const_cast<char*>("device-online")};
  for (auto& a : args) argv.push_back(a.data());
  if (absl::Status st = flags.Parse(static_cast<int>(argv.size()), argv.data(), &env); !st.ok()) return st;
  return cfg.Finish();
}

TEST(ConfigTest, DerivesOfflineAfterFromHeartbeatInterval) {
  Config cfg;
  ASSERT_TRUE(Load({"--kafka_bootstrap=k:1", "--pg_url=postgresql://x", "--heartbeat_interval=10s"}, cfg).ok());
  EXPECT_EQ(cfg.offline_after, absl::Seconds(30));
  EXPECT_FALSE(cfg.replica_id.empty());
}

TEST(ConfigTest, EnvironmentFallback) {
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=postgresql://x"}, cfg, {{"FLEET_KAFKA_BOOTSTRAP", "env:9092"}}).ok());
  EXPECT_EQ(cfg.kafka_bootstrap, "env:9092");
}

TEST(ConfigTest, RejectsBadValuesNamingTheFlag) {
  Config a;
  absl::Status st = Load({"--pg_url=postgresql://x"}, a);
  EXPECT_NE(st.message().find("kafka_bootstrap"), absl::string_view::npos) << st;
  Config b;
  st = Load({"--kafka_bootstrap=k:1", "--pg_url=x", "--heartbeat_interval=30s", "--offline_after=20s"}, b);
  EXPECT_NE(st.message().find("offline_after"), absl::string_view::npos) << st;
  Config c;
  st = Load({"--kafka_bootstrap=k:1", "--pg_url=x", "--consumer_threads=0"}, c);
  EXPECT_NE(st.message().find("consumer_threads"), absl::string_view::npos) << st;
}

}  // namespace
}  // namespace fleet::online
