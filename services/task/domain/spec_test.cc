#include "services/task/domain/spec.h"

#include <functional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::task {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

CampaignSpec Valid() {
  CampaignSpec s;
  s.kind = CampaignKind::kFirmware;
  s.artifact_id = "a1";
  s.targets.device_ids = {"dev-1", "dev-2"};
  s.batch_size = 10;
  return s;
}

TEST(NormalizeSpec, FillsDefaults) {
  absl::StatusOr<CampaignSpec> s = NormalizeSpec(Valid(), kNow);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s->start_time, kNow);
  EXPECT_EQ(s->ramp_factor, 1);
  EXPECT_EQ(s->max_in_flight, 10);
  EXPECT_EQ(s->ack_timeout, absl::Minutes(2));
  EXPECT_EQ(s->download_timeout, absl::Minutes(30));
  EXPECT_EQ(s->install_timeout, absl::Minutes(15));
  EXPECT_EQ(s->reboot_timeout, absl::Minutes(10));
  EXPECT_EQ(s->max_attempts, 1);
  EXPECT_EQ(s->initial_backoff, absl::Seconds(30));
  EXPECT_EQ(s->max_backoff, absl::Minutes(10));
}

TEST(NormalizeSpec, MaxInFlightDefaultsToRampCap) {
  CampaignSpec s = Valid();
  s.ramp_factor = 2;
  s.max_batch_size = 80;
  ASSERT_TRUE(NormalizeSpec(s, kNow).ok());
  EXPECT_EQ(NormalizeSpec(s, kNow)->max_in_flight, 80);
}

struct BadCase {
  const char* field;
  std::function<void(CampaignSpec&)> mutate;
};

TEST(NormalizeSpec, NamesTheBadField) {
  const std::vector<BadCase> cases = {
      {"spec.artifact", [](CampaignSpec& s) { s.artifact_id.clear(); }},
      {"spec.command", [](CampaignSpec& s) { s.command_name = "reboot"; }},
      {"spec.artifact", [](CampaignSpec& s) { s.kind = CampaignKind::kCommand; s.command_name = "x"; }},
      {"spec.command.name", [](CampaignSpec& s) { s.kind = CampaignKind::kCommand; s.artifact_id.clear(); }},
      {"spec.command.name", [](CampaignSpec& s) { s.kind = CampaignKind::kCommand; s.artifact_id.clear(); s.command_name = "rm -rf"; }},
      {"spec.command.args_json", [](CampaignSpec& s) { s.kind = CampaignKind::kCommand; s.artifact_id.clear(); s.command_name = "x"; s.command_args_json = "[1]"; }},
      {"spec.targets", [](CampaignSpec& s) { s.targets.device_ids.clear(); }},
      {"spec.targets", [](CampaignSpec& s) { s.targets.label_filter = "labels.a = b"; }},
      {"spec.targets.device_ids", [](CampaignSpec& s) { s.targets.device_ids = {"bad id"}; }},
      {"spec.targets.device_ids", [](CampaignSpec& s) { s.targets.device_ids = {"d1", "d1"}; }},
      {"spec.targets.include_new", [](CampaignSpec& s) { s.targets.include_new = true; }},
      {"spec.start_time", [](CampaignSpec& s) { s.start_time = kNow - absl::Hours(1); }},
      {"spec.window.start_minute", [](CampaignSpec& s) { s.window = Window{1440, 10, "UTC"}; }},
      {"spec.window.end_minute", [](CampaignSpec& s) { s.window = Window{0, -1, "UTC"}; }},
      {"spec.window.end_minute", [](CampaignSpec& s) { s.window = Window{60, 60, "UTC"}; }},
      {"spec.window.time_zone", [](CampaignSpec& s) { s.window = Window{0, 60, "Mars/Olympus"}; }},
      {"spec.window.time_zone", [](CampaignSpec& s) { s.window = Window{0, 60, ""}; }},
      {"spec.rollout.batch_size", [](CampaignSpec& s) { s.batch_size = 0; }},
      {"spec.rollout.batch_size", [](CampaignSpec& s) { s.batch_size = 100'001; }},
      {"spec.rollout.ramp_factor", [](CampaignSpec& s) { s.ramp_factor = 0.5; }},
      {"spec.rollout.ramp_factor", [](CampaignSpec& s) { s.ramp_factor = 11; }},
      {"spec.rollout.max_batch_size", [](CampaignSpec& s) { s.ramp_factor = 2; s.max_batch_size = 5; }},
      {"spec.rollout.max_batch_size", [](CampaignSpec& s) { s.max_batch_size = 20; }},
      {"spec.rollout.batch_interval", [](CampaignSpec& s) { s.batch_interval = absl::Seconds(-1); }},
      {"spec.rollout.max_in_flight", [](CampaignSpec& s) { s.max_in_flight = -1; }},
      {"spec.timeouts.ack", [](CampaignSpec& s) { s.ack_timeout = absl::Milliseconds(10); }},
      {"spec.timeouts.download", [](CampaignSpec& s) { s.download_timeout = absl::Hours(25); }},
      {"spec.timeouts.install", [](CampaignSpec& s) { s.install_timeout = -absl::Seconds(5); }},
      {"spec.timeouts.reboot", [](CampaignSpec& s) { s.reboot_timeout = absl::Hours(48); }},
      {"spec.retry.max_attempts", [](CampaignSpec& s) { s.max_attempts = 11; }},
      {"spec.retry.initial_backoff", [](CampaignSpec& s) { s.initial_backoff = absl::Milliseconds(1); }},
      {"spec.retry.max_backoff", [](CampaignSpec& s) { s.initial_backoff = absl::Minutes(5); s.max_backoff = absl::Minutes(1); }},
      {"spec.abort.per_batch.min_finished", [](CampaignSpec& s) { s.abort_per_batch.min_finished = -1; }},
      {"spec.abort.overall.max_failure_percent", [](CampaignSpec& s) { s.abort_overall.max_failure_percent = 101; }},
  };
  for (const BadCase& c : cases) {
    CampaignSpec s = Valid();
    c.mutate(s);
    absl::StatusOr<CampaignSpec> got = NormalizeSpec(s, kNow);
    ASSERT_FALSE(got.ok()) << c.field;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(status::Metadata(got.status())["field"], c.field) << got.status();
  }
}

TEST(NormalizeSpec, TooManyTargets) {
  CampaignSpec s = Valid();
  s.targets.device_ids = {"a", "b", "c"};
  SpecLimits limits;
  limits.max_targets = 2;
  absl::StatusOr<CampaignSpec> got = NormalizeSpec(s, kNow, limits);
  EXPECT_EQ(status::Reason(got.status()), "TASK_TOO_MANY_TARGETS");
}

TEST(NormalizeSpec, AcceptsCommandAndLabelFilterAndWindow) {
  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "collect-logs";
  s.command_args_json = "";
  s.targets.label_filter = "labels.site = north";
  s.targets.include_new = true;
  s.batch_size = 5;
  s.window = Window{22 * 60, 4 * 60, "Europe/Berlin"};
  s.start_time = kNow + absl::Hours(3);
  absl::StatusOr<CampaignSpec> got = NormalizeSpec(s, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->command_args_json, "{}");
}

TEST(BatchSize, ConstantRampedAndCapped) {
  CampaignSpec s = Valid();
  s = *NormalizeSpec(s, kNow);
  EXPECT_EQ(BatchSize(s, 0), 10);
  EXPECT_EQ(BatchSize(s, 7), 10);
  s.ramp_factor = 2;
  s.max_batch_size = 50;
  EXPECT_EQ(BatchSize(s, 0), 10);
  EXPECT_EQ(BatchSize(s, 1), 20);
  EXPECT_EQ(BatchSize(s, 2), 40);
  EXPECT_EQ(BatchSize(s, 3), 50);
  s.max_batch_size = 0;
  EXPECT_EQ(BatchSize(s, 200), 1'000'000'000);  // saturates
}

TEST(Backoff, DoublesUpToTheCap) {
  CampaignSpec s = *NormalizeSpec(Valid(), kNow);
  s.initial_backoff = absl::Seconds(10);
  s.max_backoff = absl::Seconds(45);
  EXPECT_EQ(Backoff(s, 1), absl::Seconds(10));
  EXPECT_EQ(Backoff(s, 2), absl::Seconds(20));
  EXPECT_EQ(Backoff(s, 3), absl::Seconds(40));
  EXPECT_EQ(Backoff(s, 4), absl::Seconds(45));
  EXPECT_EQ(Backoff(s, 60), absl::Seconds(45));
}

TEST(ValidateArtifact, ChecksEveryField) {
  Artifact a;
  a.display_name = "gw firmware";
  a.kind = ArtifactKind::kFirmware;
  a.version = "2.0.0";
  a.url = "https://cdn.example.com/fw-2.0.0.bin";
  a.sha256 = std::string(64, 'a');
  a.size_bytes = 1024;
  a.models = {"gw-200"};
  EXPECT_TRUE(ValidateArtifact(a).ok());
  auto field = [&](std::function<void(Artifact&)> f) {
    Artifact b = a;
    f(b);
    return status::Metadata(ValidateArtifact(b))["field"];
  };
  EXPECT_EQ(field([](Artifact& b) { b.display_name.clear(); }), "artifact.display_name");
  EXPECT_EQ(field([](Artifact& b) { b.version = "2 0"; }), "artifact.version");
  EXPECT_EQ(field([](Artifact& b) { b.url = "ftp://x"; }), "artifact.url");
  EXPECT_EQ(field([](Artifact& b) { b.sha256 = std::string(64, 'A'); }), "artifact.sha256");
  EXPECT_EQ(field([](Artifact& b) { b.sha256 = "abc"; }), "artifact.sha256");
  EXPECT_EQ(field([](Artifact& b) { b.size_bytes = 0; }), "artifact.size_bytes");
  EXPECT_EQ(field([](Artifact& b) { b.models = {"a", "a"}; }), "artifact.models");
}

}  // namespace
}  // namespace fleet::task
