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

TEST_F(ConfigPusherTest, FailedApplyIsRecordedNotReported) {
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  pusher_.Tick();
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d1", .version = 1, .applied = false,
                                                        .why = "boom"}).ok());
  auto view = service_.Get("d1");
  EXPECT_EQ(view->state.reported_version, 0);
  EXPECT_FALSE(view->in_sync);
  EXPECT_EQ(view->sync_state, SyncState::kFailed);
  EXPECT_EQ(view->state.failed_version, 1);
  EXPECT_EQ(view->state.failed_reason, "boom");
}

struct FakePresence : PresenceCheck {
  absl::StatusOr<absl::flat_hash_set<std::string>> NotOnline(const std::vector<std::string>& ids) override {
    asked.insert(asked.end(), ids.begin(), ids.end());
    if (!status.ok()) return status;
    absl::flat_hash_set<std::string> out;
    for (const std::string& id : ids) {
      if (offline.contains(id)) out.insert(id);
    }
    return out;
  }
  absl::flat_hash_set<std::string> offline;
  absl::Status status;
  std::vector<std::string> asked;
};

TEST_F(ConfigPusherTest, OfflineDeviceIsParkedAndGetsOnlyTheNewestVersionWhenBack) {
  FakePresence presence;
  presence.offline = {"d1"};
  pusher_.SetPresenceCheck(&presence);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(Set("d1", "{\"x\":" + std::to_string(i) + "}").ok());
    ASSERT_TRUE(Set("d2", "{\"x\":" + std::to_string(i) + "}").ok());
    clock_.Advance(absl::Seconds(1));
    pusher_.Tick();
    ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d2", .version = i, .applied = true}).ok());
  }
  for (const auto& e : sent_) EXPECT_NE(e.id.rfind("config.apply:d1:", 0), 0u) << "pushed to an offline device: " << e.id;
  EXPECT_GE(pusher_.parked_offline(), 1);
  EXPECT_EQ(pusher_.pending(), 0u) << "parked pushes do not wait in the queue";
  // d1 comes back: its newest version, once.
  presence.offline.clear();
  auto queued = pusher_.OnDeviceOnline("d1");
  ASSERT_TRUE(queued.ok());
  EXPECT_TRUE(*queued);
  EXPECT_EQ(pusher_.reconnect_pushes(), 1);
  sent_.clear();
  clock_.Advance(absl::Seconds(1));
  pusher_.Tick();
  std::vector<std::string> ids;
  for (const auto& e : sent_) {
    if (e.id.rfind("config.apply:d1:", 0) == 0) ids.push_back(e.id);
  }
  EXPECT_THAT(ids, ElementsAre("config.apply:d1:3"));
}

TEST_F(ConfigPusherTest, ReconnectOfADeviceInSyncPushesNothing) {
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  pusher_.Tick();
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d1", .version = 1, .applied = true}).ok());
  sent_.clear();
  auto queued = pusher_.OnDeviceOnline("d1");
  ASSERT_TRUE(queued.ok());
  EXPECT_FALSE(*queued);
  EXPECT_FALSE(*pusher_.OnDeviceOnline("d3")) << "no desired version";
  EXPECT_FALSE(*pusher_.OnDeviceOnline("not-registered"));
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(pusher_.Tick(), 0);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ConfigPusherTest, ReconnectRetriesAFailedVersionEvenIfItWasSentBefore) {
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  pusher_.Tick();
  ASSERT_TRUE(ApplyAnswerToService(service_, &pusher_, {.device_id = "d1", .version = 1, .applied = false,
                                                        .why = "busy"}).ok());
  sent_.clear();
  ASSERT_TRUE(*pusher_.OnDeviceOnline("d1"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(pusher_.Tick(), 1);
  EXPECT_EQ(sent_.at(0).id, "config.apply:d1:1");
}

TEST_F(ConfigPusherTest, PresenceUnknownMeansPush) {
  FakePresence presence;
  presence.offline = {"d1"};
  presence.status = absl::UnavailableError("device-online down");
  pusher_.SetPresenceCheck(&presence);
  ASSERT_TRUE(Set("d1", R"({"x":1})").ok());
  EXPECT_EQ(pusher_.Tick(), 1);
  EXPECT_THAT(presence.asked, ElementsAre("d1"));
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
