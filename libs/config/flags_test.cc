#include "libs/config/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::config {
namespace {

using ::testing::HasSubstr;

struct Args {
  explicit Args(std::vector<std::string> a) : storage(std::move(a)) {
    storage.insert(storage.begin(), "prog");
    for (auto& s : storage) ptrs.push_back(s.data());
  }
  int argc() { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

struct Config {
  std::string name = "dflt";
  int64_t port = 8080;
  double ratio = 0.5;
  bool verbose = false;
  absl::Duration timeout = absl::Seconds(30);
};

void Bind(FlagSet& fs, Config& c) {
  fs.String("name", &c.name, "service name");
  fs.Int("port", &c.port, "listen port");
  fs.Double("ratio", &c.ratio, "a ratio");
  fs.Bool("verbose", &c.verbose, "chatty");
  fs.Duration("timeout", &c.timeout, "request timeout");
}

TEST(FlagSetTest, DefaultsWhenNothingGiven) {
  FlagSet fs("svc");
  Config c;
  Bind(fs, c);
  Args a({});
  std::map<std::string, std::string> env;
  ASSERT_TRUE(fs.Parse(a.argc(), a.argv(), &env).ok());
  EXPECT_EQ(c.name, "dflt");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.timeout, absl::Seconds(30));
  EXPECT_FALSE(fs.help_requested());
}

TEST(FlagSetTest, CommandLineBeatsEnvBeatsDefault) {
  FlagSet fs("svc");
  Config c;
  Bind(fs, c);
  Args a({"--port=9000", "--timeout", "250ms", "--verbose"});
  std::map<std::string, std::string> env = {
      {"FLEET_PORT", "1"}, {"FLEET_NAME", "from-env"}, {"FLEET_RATIO", "0.25"}};
  ASSERT_TRUE(fs.Parse(a.argc(), a.argv(), &env).ok());
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.name, "from-env");
  EXPECT_DOUBLE_EQ(c.ratio, 0.25);
  EXPECT_TRUE(c.verbose);
  EXPECT_EQ(c.timeout, absl::Milliseconds(250));
}

TEST(FlagSetTest, BoolForms) {
  for (auto [arg, want] : std::vector<std::pair<std::string, bool>>{
           {"--verbose=true", true}, {"--verbose=1", true}, {"--verbose=false", false},
           {"--verbose=0", false}}) {
    FlagSet fs("svc");
    Config c;
    c.verbose = !want;
    Bind(fs, c);
    Args a({arg});
    std::map<std::string, std::string> env;
    ASSERT_TRUE(fs.Parse(a.argc(), a.argv(), &env).ok()) << arg;
    EXPECT_EQ(c.verbose, want) << arg;
  }
}

TEST(FlagSetTest, EnvNameUpperCasesAndReplacesDashes) {
  EXPECT_EQ(FlagSet::EnvName("redis-addr"), "FLEET_REDIS_ADDR");
  FlagSet fs("svc");
  std::string addr;
  fs.String("redis_addr", &addr, "");
  Args a({});
  std::map<std::string, std::string> env = {{"FLEET_REDIS_ADDR", "r:6379"}};
  ASSERT_TRUE(fs.Parse(a.argc(), a.argv(), &env).ok());
  EXPECT_EQ(addr, "r:6379");
}

TEST(FlagSetTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string want;
  };
  std::vector<Case> cases = {
      {{"--nope=1"}, {}, "unknown flag --nope"},
      {{"--port=abc"}, {}, "flag --port: invalid value \"abc\""},
      {{"--ratio=x"}, {}, "flag --ratio"},
      {{"--verbose=maybe"}, {}, "flag --verbose"},
      {{"--timeout=30"}, {}, "flag --timeout"},
      {{"--port"}, {}, "flag --port needs a value"},
      {{"stray"}, {}, "unexpected argument \"stray\""},
      {{}, {{"FLEET_PORT", "12x"}}, "environment variable FLEET_PORT"},
  };
  for (auto& tc : cases) {
    FlagSet fs("svc");
    Config c;
    Bind(fs, c);
    Args a(tc.args);
    absl::Status s = fs.Parse(a.argc(), a.argv(), &tc.env);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << tc.want;
    EXPECT_THAT(std::string(s.message()), HasSubstr(tc.want));
  }
}

TEST(FlagSetTest, DuplicateRegistrationIsAnError) {
  FlagSet fs("svc");
  int64_t a = 0, b = 0;
  fs.Int("x", &a, "");
  fs.Int("x", &b, "");
  Args args({});
  std::map<std::string, std::string> env;
  EXPECT_FALSE(fs.Parse(args.argc(), args.argv(), &env).ok());
}

TEST(FlagSetTest, HelpAndUsage) {
  FlagSet fs("device-online");
  Config c;
  Bind(fs, c);
  Args a({"--help"});
  std::map<std::string, std::string> env;
  ASSERT_TRUE(fs.Parse(a.argc(), a.argv(), &env).ok());
  EXPECT_TRUE(fs.help_requested());
  std::string usage = fs.Usage();
  EXPECT_THAT(usage, HasSubstr("Usage: device-online"));
  EXPECT_THAT(usage, HasSubstr("--port (env FLEET_PORT, default 8080)"));
  EXPECT_THAT(usage, HasSubstr("listen port"));
  EXPECT_THAT(usage, HasSubstr("--timeout (env FLEET_TIMEOUT, default 30s)"));
  EXPECT_THAT(usage, HasSubstr("--name (env FLEET_NAME, default \"dflt\")"));
}

TEST(FlagSetDeathTest, ParseOrExitHelpExitsZero) {
  FlagSet fs("svc");
  Config c;
  Bind(fs, c);
  Args a({"--help"});
  EXPECT_EXIT(fs.ParseOrExit(a.argc(), a.argv()), ::testing::ExitedWithCode(0), "");
  Args bad({"--bogus"});
  EXPECT_EXIT(fs.ParseOrExit(bad.argc(), bad.argv()), ::testing::ExitedWithCode(2),
              "unknown flag --bogus");
}

}  // namespace
}  // namespace fleet::config
