#include "services/task/storage/pg_codec.h"

#include "gtest/gtest.h"

namespace fleet::task::pgcodec {
namespace {

TEST(SpecCodec, RoundTripsEverythingButDeviceIds) {
  CampaignSpec s;
  s.kind = CampaignKind::kCommand;
  s.command_name = "collect-logs";
  s.command_args_json = R"({"since":"1h","q":"a \"b\""})";
  s.targets.label_filter = "labels.site = \"north\"";
  s.targets.include_new = true;
  s.start_time = absl::FromUnixMicros(1'800'000'000'123'456);
  s.window = Window{22 * 60, 4 * 60, "Europe/Berlin"};
  s.batch_size = 50;
  s.ramp_factor = 1.5;
  s.max_batch_size = 400;
  s.batch_interval = absl::Minutes(5);
  s.max_in_flight = 60;
  s.ack_timeout = absl::Seconds(30);
  s.download_timeout = absl::Minutes(20);
  s.install_timeout = absl::Minutes(7);
  s.reboot_timeout = absl::Minutes(3);
  s.max_attempts = 3;
  s.initial_backoff = absl::Seconds(15);
  s.max_backoff = absl::Minutes(2);
  s.abort_per_batch = {10, 20.5};
  s.abort_overall = {100, 5};
  absl::StatusOr<CampaignSpec> back = DecodeSpec(EncodeSpec(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);

  s.targets.device_ids = {"d1"};
  s.window.reset();
  s.start_time.reset();
  back = DecodeSpec(EncodeSpec(s));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->targets.device_ids.empty());
  EXPECT_FALSE(back->window.has_value());
  EXPECT_FALSE(back->start_time.has_value());
}

TEST(SpecCodec, RejectsGarbage) {
  EXPECT_FALSE(DecodeSpec("nope").ok());
  EXPECT_FALSE(DecodeSpec("{}").ok());
  EXPECT_FALSE(DecodeSpec(R"({"kind":"TOASTER"})").ok());
}

TEST(Lists, JoinSplitAndArrays) {
  EXPECT_EQ(Join({"a", "b"}), "a,b");
  EXPECT_EQ(Split("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Split("").empty());
  EXPECT_EQ(BigintArray({1, 2, 3}), "{1,2,3}");
  EXPECT_EQ(StringsJson({"a\"", "b"}), R"(["a\"","b"])");
}

}  // namespace
}  // namespace fleet::task::pgcodec
