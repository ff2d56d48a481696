#include "services/device-online/edge/presence_topic.h"

#include "gtest/gtest.h"

namespace fleet::online {
namespace {

TEST(PresenceTopicTest, TransitionJsonRoundTrip) {
  Transition t{"1795376281569-0", "dev-7", State::kOffline, absl::FromUnixMillis(1795376281569),
               absl::FromUnixMillis(1795376191000), "timeout"};
  const std::string json = EncodeTransition(t);
  EXPECT_NE(json.find(R"("state":"OFFLINE")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("deviceId":"dev-7")"), std::string::npos) << json;
  absl::StatusOr<Transition> back = DecodeTransition(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, t.id);
  EXPECT_EQ(back->device_id, t.device_id);
  EXPECT_EQ(back->state, t.state);
  EXPECT_EQ(back->time, t.time);
  EXPECT_EQ(back->last_seen, t.last_seen);
  EXPECT_EQ(back->cause, "timeout");
}

TEST(PresenceTopicTest, RejectsGarbage) {
  EXPECT_FALSE(DecodeTransition("nope").ok());
  EXPECT_FALSE(DecodeTransition("{}").ok());
  EXPECT_FALSE(DecodeTransition(R"({"deviceId":"d"})").ok());
}

Transition T(const std::string& id, const std::string& device, State s) {
  return Transition{id, device, s, absl::Now(), absl::Now(), s == State::kOnline ? "uplink" : "timeout"};
}

std::vector<std::string> Ids(const std::vector<Transition>& ts) {
  std::vector<std::string> out;
  for (const Transition& t : ts) out.push_back(t.id);
  return out;
}

// A replica died holding the OFFLINE entry; another relay published it after the newer ONLINE.
TEST(StaleTransitionFilterTest, ALateOlderTransitionOfADeviceIsDropped) {
  StaleTransitionFilter f;
  std::vector<Transition> first = {T("100-0", "dev-3", State::kOnline), T("90-5", "dev-4", State::kOnline)};
  EXPECT_EQ(f.Filter(first), 0u);
  std::vector<Transition> resumed = {T("300-0", "dev-3", State::kOnline)};
  EXPECT_EQ(f.Filter(resumed), 0u);
  std::vector<Transition> late = {T("200-1", "dev-3", State::kOffline),  // older than 300-0
                                  T("200-2", "dev-4", State::kOffline),  // newer for dev-4
                                  T("300-0", "dev-3", State::kOnline)};  // the same again
  EXPECT_EQ(f.Filter(late), 2u);
  EXPECT_EQ(Ids(late), std::vector<std::string>{"200-2"});
}

TEST(StaleTransitionFilterTest, ComparesMillisecondsThenSequenceNumerically) {
  StaleTransitionFilter f;
  std::vector<Transition> a = {T("999-9", "d", State::kOnline), T("1000-0", "d", State::kOffline),
                               T("1000-10", "d", State::kOnline), T("1000-2", "d", State::kOffline)};
  EXPECT_EQ(f.Filter(a), 1u);
  EXPECT_EQ(Ids(a), (std::vector<std::string>{"999-9", "1000-0", "1000-10"}));
}

TEST(StaleTransitionFilterTest, IdsThatAreNotStreamIdsPassThrough) {
  StaleTransitionFilter f;
  std::vector<Transition> a = {T("500-0", "d", State::kOnline), T("x", "d", State::kOffline),
                               T("", "d", State::kOnline), T("1-a", "d", State::kOffline)};
  EXPECT_EQ(f.Filter(a), 0u);
  EXPECT_EQ(a.size(), 4u);
}

}  // namespace
}  // namespace fleet::online
