#include "edge/sim/firmware_agent.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::sim {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

kafka::Envelope Req(const std::string& id, const std::string& type, const std::string& body) {
  kafka::Envelope e;
  e.kind = kafka::EnvelopeKind::kRequest;
  e.id = id;
  e.type = type;
  e.sender = "task";
  e.timestamp = kT0;
  e.body_json = body;
  return e;
}

const char kUpgrade[] =
    R"({"kind":"FIRMWARE","version":"2.0.0","url":"https://cdn/fw.bin","sha256":"abc","size":10})";

std::vector<std::string> States(const std::vector<FirmwareAction>& actions) {
  std::vector<std::string> out;
  for (const FirmwareAction& a : actions) {
    if (a.kind == FirmwareAction::Kind::kReboot) {
      out.push_back("reboot " + a.firmware_version);
      continue;
    }
    const std::string& b = a.event.body_json;
    const size_t s = b.find("\"state\":\"") + 9;
    out.push_back(b.substr(s, b.find('"', s) - s));
  }
  return out;
}

TEST(FirmwareAgent, UpgradeReportsProgressThenReboots) {
  FirmwareAgent agent({.step_time = absl::Seconds(1), .download_steps = 2, .reboot_time = absl::Seconds(5)});
  HandlerResult r = agent.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0);
  EXPECT_EQ(r.code, 202);
  EXPECT_TRUE(agent.Due(kT0).empty());
  std::vector<FirmwareAction> first = agent.Due(kT0 + absl::Seconds(2));
  EXPECT_THAT(States(first), ::testing::ElementsAre("DOWNLOADING", "DOWNLOADING"));
  EXPECT_THAT(first[0].event.body_json, HasSubstr(R"("request_id":"task-1-1","state":"DOWNLOADING","percent":50)"));
  EXPECT_EQ(first[0].event.sender, "edge/dev-1");
  EXPECT_EQ(first[0].event.type, "firmware.progress");
  EXPECT_EQ(first[0].event.timestamp, kT0 + absl::Seconds(1));
  std::vector<FirmwareAction> rest = agent.Due(kT0 + absl::Seconds(10));
  EXPECT_THAT(States(rest), ::testing::ElementsAre("VERIFYING", "INSTALLING", "REBOOTING", "reboot 2.0.0"));
  EXPECT_EQ(rest.back().silent_until, kT0 + absl::Seconds(5) + absl::Seconds(5));
  EXPECT_EQ(agent.Running(), 0);
  EXPECT_EQ(agent.reboots(), 1);
}

TEST(FirmwareAgent, DuplicateRequestIdIsNotRunAgain) {
  FirmwareAgent agent({.step_time = absl::Seconds(1)});
  EXPECT_EQ(agent.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0).code, 202);
  HandlerResult dup = agent.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0);
  EXPECT_EQ(dup.code, 200);
  EXPECT_THAT(dup.description, HasSubstr("duplicate"));
  EXPECT_EQ(agent.upgrades(), 1);
  EXPECT_EQ(agent.duplicates(), 1);
  agent.Due(kT0 + absl::Minutes(1));
  // Even after the job ended, the same id is never run twice; a new attempt is.
  EXPECT_EQ(agent.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0).code, 200);
  EXPECT_EQ(agent.Upgrade("dev-1", Req("task-1-2", "firmware.upgrade", kUpgrade), kT0).code, 202);
  EXPECT_EQ(agent.Upgrade("dev-1", Req("task-9-1", "firmware.upgrade", kUpgrade), kT0).code, 409);
}

TEST(FirmwareAgent, FailuresAndHangs) {
  FirmwareAgent failing({.step_time = absl::Seconds(1), .download_steps = 1, .fail_rate = 1});
  failing.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0);
  EXPECT_THAT(States(failing.Due(kT0 + absl::Minutes(1))),
              ::testing::ElementsAre("DOWNLOADING", "VERIFYING", "INSTALLING", "FAILED"));
  EXPECT_EQ(failing.failures(), 1);

  FirmwareAgent hanging({.step_time = absl::Seconds(1), .download_steps = 4, .timeout_rate = 1});
  hanging.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade", kUpgrade), kT0);
  EXPECT_THAT(States(hanging.Due(kT0 + absl::Minutes(1))), ::testing::ElementsAre("DOWNLOADING"));
  EXPECT_TRUE(hanging.Due(kT0 + absl::Hours(1)).empty());
}

TEST(FirmwareAgent, McuReportsItsVersionWithoutReboot) {
  FirmwareAgent agent({.step_time = absl::Seconds(1), .download_steps = 1});
  agent.Upgrade("dev-1", Req("task-1-1", "firmware.upgrade",
                             R"({"kind":"MCU","version":"m7","url":"https://x","sha256":"a","size":1})"), kT0);
  std::vector<FirmwareAction> a = agent.Due(kT0 + absl::Minutes(1));
  EXPECT_THAT(States(a), ::testing::ElementsAre("DOWNLOADING", "VERIFYING", "INSTALLING", "SUCCEEDED"));
  EXPECT_THAT(a.back().event.body_json, HasSubstr(R"("version":"m7")"));
}

TEST(FirmwareAgent, BadBodiesAndCommands) {
  FirmwareAgent agent({});
  EXPECT_EQ(agent.Upgrade("d", Req("task-1-1", "firmware.upgrade", "{}"), kT0).code, 400);
  EXPECT_EQ(agent.Upgrade("d", Req("task-1-1", "firmware.upgrade", R"({"version":"1","url":"u","sha256":"s","size":0})"), kT0).code, 400);
  HandlerResult ran = agent.Run("d", Req("task-2-1", "command.run", R"({"command":"uptime","args":{}})"), kT0);
  EXPECT_EQ(ran.code, 200);
  EXPECT_THAT(ran.body_json, HasSubstr(R"("exit_code":0,"output":"ran uptime on d")"));
  EXPECT_EQ(agent.Run("d", Req("task-2-1", "command.run", R"({"command":"uptime"})"), kT0).description,
            "duplicate request id, already handled");
  EXPECT_EQ(agent.commands(), 1);
  FirmwareAgent failing({.command_fail_rate = 1});
  EXPECT_EQ(failing.Run("d", Req("task-3-1", "command.run", R"({"command":"x"})"), kT0).code, 500);
}

TEST(FirmwareAgent, RegistersBothTypes) {
  FirmwareAgent agent({});
  Dispatcher dispatcher({});
  agent.RegisterWith(dispatcher);
  kafka::Envelope e = Req("task-1-1", "command.run", R"({"command":"uptime"})");
  std::optional<Outgoing> out = dispatcher.Dispatch("dev-1", e, kT0);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->response.overall_status_code, 200);
  EXPECT_EQ(out->response.id, "task-1-1");
}

}  // namespace
}  // namespace fleet::sim
