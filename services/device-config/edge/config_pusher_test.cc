#include "services/device-config/edge/config_pusher.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/kafka/envelope.h"
#include "services/device-config/domain/memory_config_store.h"
#include "services/device-config/domain/memory_repo.h"
#include "services/device-config/edge/messages.h"
#include "services/device-config/edge/response_consumer.h"

namespace fleet::devcfg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigPusherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"d1", "d2", "d3"}) {
      Device d;
      d.id = id;
      d.model = "gw";
      ASSERT_TRUE(repo_.Create(d, clock_.Now()).ok());
    }
    service_.SetListener(&pusher_);
  }

  absl::Status Set(const std::string& device, const std::string& body) {
    return service_.SetDesired({.device = device, .body = body, .author = "alice"}).status();
  }

  FakeClock clock_;
  MemoryDeviceRepo repo_;
  MemoryConfigStore store_;
  ConfigService service_{repo_, store_, clock_, std::make_shared<const ConfigOptions>()};
  std::vector<kafka::Envelope> sent_;
  absl::Status send_status_;
  ConfigPusher pusher_{service_,
                       [this](const std::string&, const std::string& payload) {
                         if (!send_status_.ok()) return send_status_;
                         sent_.push_back(*kafka::DecodeJson(payload));
                         return absl::OkStatus();
                       },
                       clock_,
                       {.pacing = {.per_second = 2, .max_in_flight = 10}}};
};

TEST_F(ConfigPusherTest, NothingIsPushedWithoutANewVersion) {
  EXPECT_EQ(pusher_.Tick(), 0);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ConfigPusherTest, PushCarriesNewestVersionEffectiveConfigAndHash) {
  ASSERT_TRUE(Set("d1", R"({"a":1})").ok());
  ASSERT_TRUE(Set("d1", R"({"a":2})").ok());  // supersedes version 1 before it was sent
  EXPECT_EQ(pusher_.Tick(), 1);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].id, "config.apply:d1:2");
  EXPECT_EQ(sent_[0].type, "config.apply");
  EXPECT_TRUE(sent_[0].reply_to.empty());
  auto view = service_.Get("d1");
  EXPECT_THAT(sent_[0].body_json, HasSubstr(R"("config":{"a":2})"));
  EXPECT_THAT(sent_[0].body_json, HasSubstr(view->effective_hash));
  // The answer records the version and frees the slot.
  ApplyAnswer a{.device_id = "d1", .version = 2, .applied = true, .hash = view->effective_hash};
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, a).ok());
  EXPECT_TRUE(service_.Get("d1")->in_sync);
  EXPECT_EQ(pusher_.pending(), 0u);
}

TEST_F(ConfigPusherTest, PacedAndOrderedPerDevice) {
  for (const char* d : {"d1", "d2", "d3"}) ASSERT_TRUE(Set(d, R"({"x":1})").ok());
  EXPECT_EQ(pusher_.Tick(), 2);  // 2 per second
  EXPECT_EQ(pusher_.Tick(), 0);
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_EQ(pusher_.Tick(), 1);
  ASSERT_TRUE(Set("d1", R"({"x":2})").ok());  // d1 v1 still in flight: v2 waits for its answer
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(pusher_.Tick(), 0);
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d1", .version = 1, .applied = true}).ok());
  EXPECT_EQ(pusher_.Tick(), 1);
  std::vector<std::string> ids;
  for (const auto& e : sent_) ids.push_back(e.id);
  EXPECT_THAT(ids, ElementsAre("config.apply:d1:1", "config.apply:d2:1", "config.apply:d3:1", "config.apply:d1:2"));
}

TEST_F(ConfigPusherTest, FailedSendIsRetried) {
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  send_status_ = absl::UnavailableError("kafka down");
  EXPECT_EQ(pusher_.Tick(), 0);
  EXPECT_EQ(pusher_.send_errors(), 1);
  send_status_ = absl::OkStatus();
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(pusher_.Tick(), 1);
  EXPECT_EQ(sent_.at(0).id, "config.apply:d1:1");
}

TEST_F(ConfigPusherTest, FailedApplyIsNotReported) {
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  pusher_.Tick();
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d1", .version = 1, .applied = false,
                                                        .why = "boom"}).ok());
  EXPECT_EQ(service_.Get("d1")->state.reported_version, 0);
  EXPECT_FALSE(service_.Get("d1")->in_sync);
}

}  // namespace
}  // namespace fleet::devcfg

namespace fleet::devcfg {
namespace {

TEST_F(ConfigPusherTest, TemplateChangeRepushesCurrentVersionToItsDevicesOnly) {
  Device g;
  g.id = "g1";
  g.model = "gw";
  g.group = "north";
  ASSERT_TRUE(repo_.Create(g, clock_.Now()).ok());
  ASSERT_TRUE(Set("g1", R"({"x":1})").ok());
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  ASSERT_EQ(pusher_.Tick(), 2);
  for (const char* d : {"d1", "g1"}) {
    ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = d, .version = 1, .applied = true,
                                                          .hash = service_.Get(d)->effective_hash}).ok());
  }
  ASSERT_TRUE(service_.Get("g1")->in_sync);
  sent_.clear();
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(service_.PutTemplate("groups/north", R"({"y":2})", 0, "alice").ok());
  EXPECT_FALSE(service_.Get("g1")->in_sync);  // same version, new effective hash
  EXPECT_TRUE(service_.Get("d1")->in_sync);   // not in the group
  EXPECT_EQ(pusher_.Tick(), 1);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].id, "config.apply:g1:1");
  EXPECT_THAT(sent_[0].body_json, HasSubstr(R"("config":{"x":1,"y":2})"));
  const std::string hash = service_.Get("g1")->effective_hash;
  EXPECT_THAT(sent_[0].body_json, HasSubstr(hash));
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "g1", .version = 1, .applied = true,
                                                        .hash = hash}).ok());
  EXPECT_TRUE(service_.Get("g1")->in_sync);
  // Devices without any version are not pushed (there is no version to report).
  ASSERT_TRUE(service_.PutTemplate("global", R"({"z":3})", 0, "alice").ok());
  clock_.Advance(absl::Seconds(1));
  sent_.clear();
  EXPECT_EQ(pusher_.Tick(), 2);  // d1 and g1, not d2 / d3
}

}  // namespace
}  // namespace fleet::devcfg
