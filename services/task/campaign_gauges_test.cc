#include "services/task/campaign_gauges.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "services/task/domain/fakes.h"
#include "services/task/domain/memory_store.h"
#include "services/task/domain/rollout.h"
#include "services/task/domain/task_manager.h"

namespace fleet::task {
namespace {

using ::testing::IsEmpty;
using ::testing::Pair;

// "campaign/state" -> value of every task_campaign_devices series.
std::map<std::string, double> Series(prometheus::Registry& registry) {
  std::map<std::string, double> out;
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != "task_campaign_devices") continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string campaign, state;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.name == "campaign") campaign = l.value;
        if (l.name == "state") state = l.value;
      }
      out[campaign + "/" + state] = m.gauge.value;
    }
  }
  return out;
}

class CampaignGaugesTest : public ::testing::Test {
 protected:
  CampaignGaugesTest()
      : tasks_(store_, store_, directory_, clock_),
        rollout_(store_, store_, channel_, presence_, directory_, clock_),
        gauges_(registry_, store_) {}

  std::string NewCampaign(int devices) {
    CampaignSpec s;
    s.kind = CampaignKind::kCommand;
    s.command_name = "uptime";
    for (int i = 0; i < devices; ++i) s.targets.device_ids.push_back("d" + std::to_string(i));
    s.batch_size = 2;
    absl::StatusOr<Campaign> c = tasks_.CreateCampaign("x", s, "alice");
    EXPECT_TRUE(c.ok()) << c.status();
    return c->id;
  }

  FakeClock clock_;
  MemoryStore store_;
  testing::FakeDirectory directory_;
  testing::FakeChannel channel_;
  testing::FakePresence presence_;
  TaskManager tasks_;
  Rollout rollout_;
  prometheus::Registry registry_;
  CampaignGauges gauges_;
};

TEST_F(CampaignGaugesTest, LiveCampaignsOnlyAndEndedOnesRemoved) {
  const std::string a = NewCampaign(3);
  ASSERT_TRUE(gauges_.Refresh().ok());
  std::map<std::string, double> s = Series(registry_);
  EXPECT_EQ(s.size(), 7u);  // one series per state
  EXPECT_EQ(s[a + "/queued"], 3);
  EXPECT_EQ(s[a + "/in_flight"], 0);

  ASSERT_TRUE(rollout_.Tick().ok());  // RUNNING, 2 sent
  const std::string b = NewCampaign(1);
  ASSERT_TRUE(tasks_.Pause(b, "bob").ok());
  ASSERT_TRUE(gauges_.Refresh().ok());
  s = Series(registry_);
  EXPECT_EQ(s.size(), 14u);
  EXPECT_EQ(s[a + "/queued"], 1);
  EXPECT_EQ(s[a + "/in_flight"], 2);
  EXPECT_EQ(s[b + "/queued"], 1);  // PAUSED still counts

  ASSERT_TRUE(tasks_.Cancel(a, "bob", "enough").ok());
  ASSERT_TRUE(gauges_.Refresh().ok());
  s = Series(registry_);
  EXPECT_EQ(s.size(), 7u);
  EXPECT_EQ(s.count(a + "/queued"), 0u);
  EXPECT_EQ(s[b + "/queued"], 1);

  // A store outage keeps the last values and reports the error.
  store_.FailWith(absl::UnavailableError("db down"));
  EXPECT_EQ(gauges_.Refresh().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Series(registry_).size(), 7u);
  store_.FailWith(absl::OkStatus());
  ASSERT_TRUE(tasks_.Cancel(b, "bob", "enough").ok());
  ASSERT_TRUE(gauges_.Refresh().ok());
  EXPECT_THAT(Series(registry_), IsEmpty());
}

TEST_F(CampaignGaugesTest, MaybeRefreshAtMostEveryInterval) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(gauges_.MaybeRefresh(t0).ok());
  EXPECT_THAT(Series(registry_), IsEmpty());
  const std::string a = NewCampaign(2);
  ASSERT_TRUE(gauges_.MaybeRefresh(t0 + absl::Seconds(9)).ok());
  EXPECT_THAT(Series(registry_), IsEmpty());  // too soon
  ASSERT_TRUE(gauges_.MaybeRefresh(t0 + absl::Seconds(10)).ok());
  EXPECT_THAT(Series(registry_), ::testing::Contains(Pair(a + "/queued", 2.0)));
}

}  // namespace
}  // namespace fleet::task
