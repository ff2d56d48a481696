#include "libs/log/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/trace/context.h"
#include "rapidjson/document.h"

namespace fleet::log {
namespace {

rapidjson::Document Parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  EXPECT_FALSE(d.HasParseError()) << line;
  return d;
}

// Captures output into a temp file for the duration of a test.
class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/log_capture_" + std::to_string(::getpid());
    fd_ = ::open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0600);
    ASSERT_GE(fd_, 0);
    SetOutputFdForTest(fd_);
    SetMinLevel(Level::kDebug);
  }
  void TearDown() override {
    SetOutputFdForTest(2);
    SetMinLevel(Level::kInfo);
    ::close(fd_);
  }
  std::vector<std::string> Lines() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<std::string> out = absl::StrSplit(ss.str(), '\n', absl::SkipEmpty());
    return out;
  }
  std::string path_;
  int fd_ = -1;
};

TEST(FormatTest, LineShape) {
  SetService("device-online");
  absl::Time t = absl::FromUnixMillis(1700000000123);
  std::string line = FormatLine(Level::kWarn, t, "redis \"down\"",
                                {{"attempt", 3},
                                 {"ratio", 0.5},
                                 {"ok", false},
                                 {"who", "a\nb"},
                                 {"big", uint64_t{18446744073709551615u}},
                                 {"neg", int64_t{-7}}});
  ASSERT_EQ(line.back(), '\n');
  rapidjson::Document d = Parse(line);
  EXPECT_STREQ(d["ts"].GetString(), "2023-11-14T22:13:20.123Z");
  EXPECT_STREQ(d["level"].GetString(), "warn");
  EXPECT_STREQ(d["service"].GetString(), "device-online");
  EXPECT_STREQ(d["msg"].GetString(), "redis \"down\"");
  EXPECT_FALSE(d.HasMember("trace_id"));
  EXPECT_EQ(d["attempt"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(d["ratio"].GetDouble(), 0.5);
  EXPECT_FALSE(d["ok"].GetBool());
  EXPECT_STREQ(d["who"].GetString(), "a\nb");
  EXPECT_EQ(d["big"].GetUint64(), 18446744073709551615u);
  EXPECT_EQ(d["neg"].GetInt64(), -7);
  SetService("");
}

TEST(FormatTest, NonFiniteDoubleIsNull) {
  rapidjson::Document d =
      Parse(FormatLine(Level::kInfo, absl::Now(), "m", {{"x", std::nan("")}}));
  EXPECT_TRUE(d["x"].IsNull());
}

TEST(FormatTest, IncludesCurrentTraceContext) {
  trace::TraceContext tc;
  tc.trace_id[15] = 0xab;
  tc.span_id[0] = 0x01;
  trace::ScopedContext scope(tc);
  rapidjson::Document d = Parse(FormatLine(Level::kInfo, absl::Now(), "m", {}));
  EXPECT_STREQ(d["trace_id"].GetString(), "000000000000000000000000000000ab");
  EXPECT_STREQ(d["span_id"].GetString(), "0100000000000000");
}

TEST_F(CaptureTest, MinLevelFilters) {
  SetMinLevel(Level::kWarn);
  Info("dropped");
  Debug("dropped");
  Warn("kept");
  Error("kept too");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_STREQ(Parse(lines[0])["level"].GetString(), "warn");
  EXPECT_STREQ(Parse(lines[1])["level"].GetString(), "error");
}

TEST_F(CaptureTest, ConcurrentLinesDoNotInterleave) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      std::string payload(500, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) Info("line", {{"t", t}, {"i", i}, {"p", payload}});
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 800u);
  for (const std::string& l : lines) {
    rapidjson::Document d = Parse(l);
    ASSERT_TRUE(d.IsObject());
    EXPECT_EQ(std::string(d["p"].GetString()),
              std::string(500, static_cast<char>('a' + d["t"].GetInt())));
  }
}

TEST_F(CaptureTest, WarnEveryRateLimitsPerKeyAndCountsSuppressed) {
  absl::Duration interval = absl::Milliseconds(300);
  EXPECT_TRUE(WarnEvery("redis", interval, "redis down", {{"host", "r1"}}));
  EXPECT_FALSE(WarnEvery("redis", interval, "redis down"));
  EXPECT_FALSE(WarnEvery("redis", interval, "redis down"));
  EXPECT_TRUE(WarnEvery("kafka", interval, "kafka lag"));  // separate key
  absl::SleepFor(interval + absl::Milliseconds(50));       // waiting on time itself
  EXPECT_TRUE(WarnEvery("redis", interval, "redis down"));
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  rapidjson::Document first = Parse(lines[0]);
  EXPECT_STREQ(first["level"].GetString(), "warn");
  EXPECT_STREQ(first["host"].GetString(), "r1");
  EXPECT_EQ(first["suppressed"].GetInt(), 0);
  EXPECT_EQ(Parse(lines[2])["suppressed"].GetInt(), 2);
}

}  // namespace
}  // namespace fleet::log
