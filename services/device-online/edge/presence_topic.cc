#include "services/device-online/edge/presence_topic.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "libs/log/log.h"
#include "libs/status/status.h"
#include "services/device-online/server/convert.h"

namespace fleet::online {

std::string EncodeTransition(const Transition& t) {
  presence::v1::PresenceTransition p;
  ToProto(t, &p);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(p, &out);
  return out;
}

absl::StatusOr<Transition> DecodeTransition(std::string_view json) {
  presence::v1::PresenceTransition p;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &p);
  if (!st.ok() || p.device_id().empty() || p.state() == presence::v1::STATE_UNSPECIFIED) {
    return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD",
                             "not a fleet.presence.v1.PresenceTransition");
  }
  using google::protobuf::util::TimeUtil;
  Transition t;
  t.id = p.transition_id();
  t.device_id = p.device_id();
  t.state = p.state() == presence::v1::ONLINE ? State::kOnline : State::kOffline;
  t.time = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(p.time()));
  t.last_seen = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(p.last_seen_time()));
  t.cause = p.cause();
  return t;
}

absl::Status KafkaTransitionSink::Publish(absl::Span<const Transition> transitions) {
  for (const Transition& t : transitions) {
    absl::Status st = producer_.Send(topic_, t.device_id, EncodeTransition(t),
                                     {{"content-type", "application/json"}});
    if (!st.ok()) return st;
  }
  const int64_t failures_before = producer_.DeliveryFailures();
  if (absl::Status st = producer_.Flush(timeout_); !st.ok()) return st;
  if (producer_.DeliveryFailures() != failures_before) {
    return absl::UnavailableError("fleet.presence: some transitions were not delivered");
  }
  return absl::OkStatus();
}

namespace {
// "<ms>-<seq>" -> {ms, seq}; nullopt for anything else.
std::optional<std::pair<int64_t, int64_t>> StreamId(absl::string_view id) {
  const size_t dash = id.find('-');
  if (dash == absl::string_view::npos) return std::nullopt;
  int64_t ms = 0, seq = 0;
  if (!absl::SimpleAtoi(id.substr(0, dash), &ms) || !absl::SimpleAtoi(id.substr(dash + 1), &seq)) {
    return std::nullopt;
  }
  return std::make_pair(ms, seq);
}
}  // namespace

size_t StaleTransitionFilter::Filter(std::vector<Transition>& transitions) {
  const size_t before = transitions.size();
  std::erase_if(transitions, [this](const Transition& t) {
    const std::optional<std::pair<int64_t, int64_t>> id = StreamId(t.id);
    if (!id) return false;
    auto [it, inserted] = newest_.try_emplace(t.device_id, *id);
    if (inserted) return false;
    if (*id <= it->second) return true;
    it->second = *id;
    return false;
  });
  return before - transitions.size();
}

void PresenceFeed::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::StatusOr<std::vector<kafka::Message>> batch =
        consumer_.Poll(1000, absl::Milliseconds(200));
    if (!batch.ok()) {
      log::WarnEvery("presence-feed", absl::Seconds(10), "fleet.presence poll failed",
                     {{"error", batch.status().message()}});
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    std::vector<Transition> ts;
    for (const kafka::Message& m : *batch) {
      absl::StatusOr<Transition> t = DecodeTransition(m.payload);
      if (t.ok()) ts.push_back(std::move(*t));
    }
    // Filtered even without watchers, so a watcher that subscribes later is not handed an
    // older transition than one the feed has already seen.
    if (const size_t stale = stale_.Filter(ts); stale > 0) {
      log::WarnEvery("presence-feed-stale", absl::Seconds(10),
                     "fleet.presence: dropped transitions older than one already seen for their device",
                     {{"dropped", static_cast<int64_t>(stale)}});
    }
    if (!ts.empty() && hub_.watchers() > 0) hub_.Publish(ts);
  }
}

}  // namespace fleet::online
