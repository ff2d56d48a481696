#include "libs/presence/events.h"

#include <algorithm>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "fleet/presence/v1/presence.pb.h"
#include "libs/log/log.h"
#include "libs/status/status.h"

namespace fleet::presence {

absl::StatusOr<PresenceEvent> DecodePresenceEvent(std::string_view json) {
  v1::PresenceTransition p;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // newer producers may add fields
  auto st = google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(json.data(), json.size()),
                                                        &p, opts);
  if (!st.ok() || p.device_id().empty() || p.state() == v1::STATE_UNSPECIFIED) {
    return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD",
                             "not a fleet.presence.v1.PresenceTransition with device_id and state");
  }
  PresenceEvent e;
  e.device_id = p.device_id();
  e.online = p.state() == v1::ONLINE;
  if (p.has_time()) {
    e.time = absl::FromUnixMicros(google::protobuf::util::TimeUtil::TimestampToMicroseconds(p.time()));
  }
  e.transition_id = p.transition_id();
  e.cause = p.cause();
  return e;
}

std::map<std::string, std::string> PresenceGroupOverrides() { return {{"auto.offset.reset", "latest"}}; }


absl::StatusOr<size_t> PresenceConsumer::PollOnce(const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<kafka::Message>> batch = consumer_.Poll(options_.max_batch, options_.poll_timeout);
  if (!batch.ok()) return batch.status();
  const absl::Time now = now_();
  for (const kafka::Message& msg : *batch) {
    absl::StatusOr<PresenceEvent> e = DecodePresenceEvent(msg.payload);
    if (!e.ok()) {
      malformed_.fetch_add(1);
      log::WarnEvery("presence-malformed", absl::Seconds(10), "fleet.presence: skipping a malformed record",
                     {{"partition", msg.partition}, {"offset", msg.offset}});
      continue;
    }
    if (e->time != absl::InfinitePast() && now - e->time > options_.max_age) {
      stale_.fetch_add(1);
      continue;
    }
    absl::Duration backoff = absl::Milliseconds(50);
    while (true) {
      absl::Status st = handler_(*e);
      if (st.ok()) break;
      if (!status::IsRetryable(st)) {
        log::WarnEvery("presence-handler", absl::Seconds(10), "fleet.presence: event not handled, skipped",
                       {{"device_id", e->device_id}, {"error", std::string(st.message())}});
        break;
      }
      log::WarnEvery("presence-retry", absl::Seconds(10), "fleet.presence: handler unavailable, retrying",
                     {{"error", std::string(st.message())}});
      if (stop) return absl::CancelledError("stopping before the batch was handled");
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    handled_.fetch_add(1);
  }
  if (!batch->empty()) {
    if (absl::Status st = consumer_.MarkProcessed(*batch); !st.ok()) return st;
  }
  return batch->size();
}

void PresenceConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<size_t> n = PollOnce(stop);
    if (!n.ok() && !absl::IsCancelled(n.status())) {
      log::WarnEvery("presence-poll", absl::Seconds(10), "fleet.presence poll failed",
                     {{"error", std::string(n.status().message())}});
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  consumer_.Close().IgnoreError();
}

}  // namespace fleet::presence
