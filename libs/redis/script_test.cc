#include "libs/redis/script.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/redis/test_fixture.h"

namespace fleet::redis {
namespace {

using ::testing::HasSubstr;

// Increments KEYS[1] by ARGV[1] and returns {new value, ARGV[2]}.
const char kIncrEcho[] =
    "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) return {v, ARGV[2]}";

class ScriptTest : public RedisFixture {
 protected:
  int64_t ScriptsLoaded(const Script& s) {
    auto r = client_->Command({"SCRIPT", "EXISTS", s.sha1()});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->elements().at(0).integer() : -1;
  }
};

TEST(ScriptSha, MatchesSha1sum) {
  // echo -n "return 1" | sha1sum
  EXPECT_EQ(Script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_F(ScriptTest, EvalLoadsOnNoScriptAndReusesSha) {
  Script script(kIncrEcho);
  EXPECT_EQ(ScriptsLoaded(script), 0);
  auto r = Eval(*client_, script, {"k"}, {"5", std::string("b\0in", 4)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, Reply::Array({Reply::Integer(5), Reply::String(std::string("b\0in", 4))}));
  EXPECT_EQ(ScriptsLoaded(script), 1);
  r = Eval(*client_, script, {"k"}, {"2", "x"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->elements()[0].integer(), 7);

  ASSERT_TRUE(client_->Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(ScriptsLoaded(script), 0);
  r = Eval(*client_, script, {"k"}, {"1", "y"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->elements()[0].integer(), 8);
  EXPECT_EQ(ScriptsLoaded(script), 1);
}

TEST_F(ScriptTest, ScriptErrorsAreInternal) {
  auto r = Eval(*client_, Script("return redis.error_reply('LIMITED by script')"), {}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("LIMITED by script"));
  r = Eval(*client_, Script("this is not lua"), {}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("compiling"));
}

TEST_F(ScriptTest, PipelinedInOrderAcrossFlush) {
  Script script(kIncrEcho);
  std::vector<EvalCall> calls;
  for (int i = 0; i < 1000; ++i) calls.push_back({{"p"}, {"1", std::to_string(i)}});
  // First run: script unknown, every call is retried after SCRIPT LOAD.
  auto r = EvalPipelined(*client_, script, calls);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ((*r)[i], Reply::Array({Reply::Integer(i + 1), Reply::String(std::to_string(i))}));
  }
  // Second run: straight EVALSHA.
  r = EvalPipelined(*client_, script, calls);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[999].elements()[0].integer(), 2000);
  ASSERT_TRUE(client_->Command({"SCRIPT", "FLUSH"}).ok());
  r = EvalPipelined(*client_, script, calls);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].elements()[0].integer(), 2001);
  EXPECT_EQ((*r)[999].elements()[0].integer(), 3000);
}

TEST_F(ScriptTest, PipelinedKeepsPerCallErrors) {
  Script script("if ARGV[1] == 'bad' then return redis.error_reply('BAD input') end return 1");
  auto r = EvalPipelined(*client_, script, {{{}, {"ok"}}, {{}, {"bad"}}, {{}, {"ok"}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0], Reply::Integer(1));
  EXPECT_TRUE((*r)[1].is_error());
  EXPECT_THAT((*r)[1].str(), HasSubstr("BAD input"));
  EXPECT_EQ((*r)[2], Reply::Integer(1));
  auto broken = EvalPipelined(*client_, Script("not lua"), {{{}, {}}, {{}, {}}});
  ASSERT_TRUE(broken.ok());
  EXPECT_TRUE((*broken)[0].is_error());
  EXPECT_TRUE((*broken)[1].is_error());
}

TEST_F(ScriptTest, UnavailableWhenServerDown) {
  server_->Kill();
  auto r = Eval(*client_, Script("return 1"), {}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  r = Eval(*client_, Script("return 1"), {}, {});  // Fresh server: NOSCRIPT, loaded again.
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, Reply::Integer(1));
}

}  // namespace
}  // namespace fleet::redis
