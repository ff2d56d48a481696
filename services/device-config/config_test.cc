#include "services/device-config/config.h"

#include <fstream>

#include "gtest/gtest.h"

namespace fleet::devcfg {
namespace {

absl::Status Load(std::vector<std::string> args, Config& cfg, std::map<std::string, std::string> env = {}) {
  config::FlagSet flags("device-config");
  cfg.Register(flags);
  std::vector<char*> argv = {const_cast<char*>("device-config")};
  for (auto& a : args) argv.push_back(a.data());
  if (absl::Status st = flags.Parse(static_cast<int>(argv.size()), argv.data(), &env); !st.ok()) return st;
  return cfg.Finish();
}

bool Names(const absl::Status& st, std::string_view flag) {
  return !st.ok() &&
         st.message().find(absl::string_view(flag.data(), flag.size())) != absl::string_view::npos;
}

TEST(ConfigTest, DefaultsWithRequiredUrl) {
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=postgresql://u@h/db"}, cfg).ok());
  EXPECT_EQ(cfg.grpc_address, "127.0.0.1:7002");
  EXPECT_EQ(cfg.pg_pool, 8);
  EXPECT_EQ(cfg.import_chunk, 5000);
}

TEST(ConfigTest, EnvironmentFallback) {
  Config cfg;
  ASSERT_TRUE(
      Load({"--pg_pool=3"}, cfg, {{"FLEET_PG_URL", "postgres://env/db"}, {"FLEET_PG_POOL", "9"}}).ok());
  EXPECT_EQ(cfg.pg_url, "postgres://env/db");
  EXPECT_EQ(cfg.pg_pool, 3);  // the flag wins
}

TEST(ConfigTest, RejectsBadValuesNamingTheFlag) {
  Config a;
  EXPECT_TRUE(Names(Load({}, a), "pg_url"));
  Config b;
  EXPECT_TRUE(Names(Load({"--pg_url=mysql://x"}, b), "pg_url"));
  Config c;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--pg_pool=0"}, c), "pg_pool"));
  Config d;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--import_chunk=0"}, d), "import_chunk"));
  Config e;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--grpc_address=7002"}, e), "grpc_address"));
  Config f;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--admin_port=70000"}, f), "admin_port"));
  Config g;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--pg_acquire_timeout=1ms"}, g), "pg_acquire_timeout"));
  Config h;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://x", "--no_such_flag=1"}, h), "no_such_flag"));
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

TEST(ConfigTest, LoadsModelSchemasAndRetention) {
  const std::string path = ::testing::TempDir() + "/schemas.json";
  std::ofstream(path) << R"({"gw-200": {"/kafka/cluster": "string"}})";
  Config cfg;
  ASSERT_TRUE(Load({"--pg_url=postgresql://u@h/db", "--config_retention=7",
                    "--model_schemas_file=" + path},
                   cfg)
                  .ok());
  EXPECT_EQ(cfg.config.retention, 7);
  ASSERT_EQ(cfg.config.schemas.count("gw-200"), 1u);
  Config missing;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://u@h/db", "--model_schemas_file=/nope.json"}, missing),
                    "model_schemas_file"));
  std::ofstream(path) << "not json";
  Config bad;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://u@h/db", "--model_schemas_file=" + path}, bad),
                    "model_schemas_file"));
  Config zero;
  EXPECT_TRUE(Names(Load({"--pg_url=postgresql://u@h/db", "--config_retention=0"}, zero),
                    "config_retention"));
}

}  // namespace
}  // namespace fleet::devcfg
