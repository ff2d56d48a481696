#include "services/tunnel/domain/state_machine.h"

#include <set>
#include <utility>

#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::tunnel {
namespace {

using S = SessionState;
constexpr S kAll[] = {S::kRequested, S::kOpen, S::kClosing, S::kClosed, S::kFailed, S::kExpired};

TEST(StateMachineTest, EveryPairIsLegalExactlyWhenTheDiagramSaysSo) {
  const std::set<std::pair<S, S>> legal = {
      {S::kRequested, S::kOpen},   {S::kRequested, S::kFailed}, {S::kRequested, S::kClosing},
      {S::kRequested, S::kExpired}, {S::kOpen, S::kClosing},    {S::kOpen, S::kExpired},
      {S::kClosing, S::kClosed},   {S::kClosing, S::kExpired},
  };
  int checked = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      absl::Status st = CheckTransition(from, to);
      ++checked;
      if (legal.count({from, to})) {
        EXPECT_TRUE(st.ok()) << StateName(from) << " -> " << StateName(to) << ": " << st;
        continue;
      }
      EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << StateName(from) << " -> " << StateName(to);
      if (IsTerminal(from)) {
        EXPECT_EQ(status::Reason(st), "TUNNEL_CLOSED");
        EXPECT_EQ(status::Metadata(st)["state"], StateName(from));
      } else {
        EXPECT_EQ(status::Reason(st), "TUNNEL_INVALID_TRANSITION");
        EXPECT_EQ(status::Metadata(st)["from"], StateName(from));
        EXPECT_EQ(status::Metadata(st)["to"], StateName(to));
      }
    }
  }
  EXPECT_EQ(checked, 36);
}

TEST(StateMachineTest, LiveStatesHoldPorts) {
  EXPECT_TRUE(IsLive(S::kRequested));
  EXPECT_TRUE(IsLive(S::kOpen));
  EXPECT_TRUE(IsLive(S::kClosing));
  EXPECT_TRUE(IsTerminal(S::kClosed));
  EXPECT_TRUE(IsTerminal(S::kFailed));
  EXPECT_TRUE(IsTerminal(S::kExpired));
}

TEST(StateMachineTest, NamesRoundTrip) {
  for (S s : kAll) EXPECT_EQ(ParseState(StateName(s)), s);
  EXPECT_EQ(ParseState("open"), std::nullopt);
  EXPECT_EQ(ParseState(""), std::nullopt);
}

}  // namespace
}  // namespace fleet::tunnel
