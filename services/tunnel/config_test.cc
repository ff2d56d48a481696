#include "services/tunnel/config.h"

#include <fstream>

#include "gtest/gtest.h"

namespace fleet::tunnel {
namespace {

absl::StatusOr<std::string> FakeSecrets(const std::string& ref) {
  if (ref == "env:A") return std::string("secret-a");
  return absl::NotFoundError(ref + " is not set");
}

absl::Status Load(std::vector<std::string> args, Config& cfg,
                  std::map<std::string, std::string> env = {}) {
  config::FlagSet flags("tunnel");
  cfg.Register(flags);
  std::vector<char*> argv = {const_cast<char*>("tunnel")};
  for (auto& a : args) argv.push_back(a.data());
  if (absl::Status st = flags.Parse(static_cast<int>(argv.size()), argv.data(), &env); !st.ok()) return st;
  return cfg.Finish(FakeSecrets);
}

constexpr char kPool[] =
    "name=a public_address=a.example.com token_ref=env:A ports=40000-40999 weight=2;"
    "name=b public_address=b.example.com bind_port=7001 token_ref=env:MISSING ports=50000-50099 mode=disabled";

TEST(ConfigTest, ParsesPoolAndBuildsBrokerOptions) {
  Config cfg;
  absl::Status st = Load({"--pg_url=postgresql://x", std::string("--frp_servers=") + kPool,
                          "--camera_local=10.0.0.9:8080", "--quarantine=5m"}, cfg);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(cfg.servers.size(), 2u);
  EXPECT_EQ(cfg.servers[0].name, "a");
  EXPECT_EQ(cfg.servers[0].token, "secret-a");
  EXPECT_EQ(cfg.servers[0].bind_port, 7000);
  EXPECT_EQ(cfg.servers[0].port_min, 40000);
  EXPECT_EQ(cfg.servers[0].port_max, 40999);
  EXPECT_EQ(cfg.servers[0].weight, 2);
  EXPECT_EQ(cfg.servers[1].mode, FrpServer::Mode::kDisabled);
  EXPECT_EQ(cfg.servers[1].token, "");  // disabled: not resolved
  EXPECT_EQ(cfg.broker.quarantine, absl::Minutes(5));
  EXPECT_EQ(cfg.broker.default_ttl, absl::Minutes(30));
  ASSERT_EQ(cfg.broker.services.size(), 3u);
  EXPECT_EQ(cfg.broker.services[2].local_ip, "10.0.0.9");
  EXPECT_EQ(cfg.broker.services[2].local_port, 8080);
}

TEST(ConfigTest, PoolFromFileWithComments) {
  const std::string path = ::testing::TempDir() + "/pool.txt";
  std::ofstream(path) << "# the pool\n\nname=a public_address=h token_ref=env:A ports=100-199  # main\n";
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=x", "--frp_servers_file=" + path}, cfg).ok());
  EXPECT_EQ(cfg.servers.size(), 1u);
}

TEST(ConfigTest, RejectsBadValuesNamingTheFlag) {
  auto error = [](std::vector<std::string> args) {
    Config cfg;
    return std::string(Load(args, cfg).message());
  };
  const std::string pool = std::string("--frp_servers=") + kPool;
  EXPECT_NE(error({pool}).find("pg_url"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x"}).find("exactly one"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", pool, "--quarantine=60s"}).find("quarantine"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", pool, "--ssh_local=22"}).find("ssh_local"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", "--frp_servers=name=a public_address=h token_ref=env:MISSING ports=1-9"})
                .find("MISSING"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", "--frp_servers=name=a public_address=h token_ref=env:A ports=9-1"})
                .find("port range"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", "--frp_servers=name=a colour=red"}).find("unknown key"), std::string::npos);
  EXPECT_NE(error({"--pg_url=x", "--frp_servers_file=/nonexistent"}).find("frp_servers_file"), std::string::npos);
}

TEST(ConfigTest, KafkaIsOptionalAndCheckedWhenGiven) {
  const std::string pool = std::string("--frp_servers=") + kPool;
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=x", pool}, cfg).ok());
  EXPECT_TRUE(cfg.kafka_bootstrap.empty());
  EXPECT_EQ(cfg.uplink_topic, "edge.up");
  EXPECT_EQ(cfg.downlink_template, "edge.{device_id}.down");
  EXPECT_EQ(cfg.kafka_group, "tunnel");
  Config with;
  ASSERT_TRUE(Load({"--pg_url=x", pool, "--kafka_bootstrap=k:9092", "--downlink_template=d.{device_id}"},
                   with)
                  .ok());
  EXPECT_EQ(with.downlink_template, "d.{device_id}");
  Config bad;
  EXPECT_NE(std::string(Load({"--pg_url=x", pool, "--kafka_bootstrap=k:9092", "--kafka_group="}, bad).message())
                .find("kafka_group"),
            std::string::npos);
}

TEST(ConfigTest, ResolveSecretForms) {
  const std::string path = ::testing::TempDir() + "/token";
  std::ofstream(path) << "  tok\n";
  EXPECT_EQ(*ResolveSecret("file:" + path), "tok");
  setenv("TUNNEL_TEST_TOKEN", "envtok", 1);
  EXPECT_EQ(*ResolveSecret("env:TUNNEL_TEST_TOKEN"), "envtok");
  EXPECT_EQ(ResolveSecret("env:TUNNEL_TEST_NOPE").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveSecret("plain").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::tunnel
