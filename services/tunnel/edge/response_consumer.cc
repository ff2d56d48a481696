#include "services/tunnel/edge/response_consumer.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "libs/status/status.h"
#include "prometheus/family.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel {
namespace {

prometheus::Family<prometheus::Counter>& Answers(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("tunnel_device_answers_total")
      .Help("Device answers to tunnel.start / tunnel.stop, by outcome")
      .Register(r);
}

}  // namespace

ResponseMetrics::ResponseMetrics(prometheus::Registry& r)
    : applied(Answers(r).Add({{"outcome", "applied"}})),
      unknown(Answers(r).Add({{"outcome", "unknown_session"}})),
      wrong_device(Answers(r).Add({{"outcome", "wrong_device"}})),
      dropped_stale(Answers(r).Add({{"outcome", "dropped_stale"}})),
      malformed(Answers(r).Add({{"outcome", "malformed"}})),
      late_stops(Answers(r).Add({{"outcome", "late_stop_sent"}})),
      store_errors(Answers(r).Add({{"outcome", "store_error"}})) {}

absl::Status ApplyAnswer(TunnelBroker& broker, DeviceChannel* channel, const DeviceAnswer& a,
                         ResponseMetrics& m) {
  absl::StatusOr<Session> current = broker.Get(a.session_id);
  if (absl::IsNotFound(current.status()) || absl::IsInvalidArgument(current.status())) {
    m.unknown.Increment();
    return absl::OkStatus();
  }
  if (!current.ok()) return current.status();
  if (a.device_id != current->device_id) {
    m.wrong_device.Increment();
    log::WarnEvery("tunnel-answer-wrong-device", absl::Seconds(10),
                   "answer from another device than the session's ignored",
                   {{"session_id", a.session_id}, {"sender_device", a.device_id}});
    return absl::OkStatus();
  }
  absl::StatusOr<Session> after = *current;
  switch (a.kind) {
    case DeviceAnswer::Kind::kStarted:
      after = broker.OnStarted(a.session_id);
      if (after.ok() && IsTerminal(after->state) && channel != nullptr) {
        // frpc runs for a session that already ended: stop it.
        m.late_stops.Increment();
        channel->SendStop(after->device_id, after->id, "session already ended").IgnoreError();
      }
      break;
    case DeviceAnswer::Kind::kStartFailed:
      after = broker.OnStartFailed(a.session_id, a.why);
      break;
    case DeviceAnswer::Kind::kStopped:
      after = broker.OnStopped(a.session_id);
      break;
    case DeviceAnswer::Kind::kStopFailed:
      log::Warn("device could not stop frpc", {{"session_id", a.session_id}, {"why", a.why}});
      break;
  }
  if (absl::IsNotFound(after.status())) {
    m.unknown.Increment();
    return absl::OkStatus();
  }
  if (!after.ok()) return after.status();
  m.applied.Increment();
  return absl::OkStatus();
}

absl::StatusOr<size_t> ResponseConsumer::PollOnce(const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<kafka::Message>> batch = consumer_.Poll(1000, options_.poll_timeout);
  if (!batch.ok()) return batch.status();
  for (const kafka::Message& msg : *batch) {
    // Our request ids ("tunnel.start:…", "tunnel.stop:…") appear verbatim in JSON and protobuf
    // payloads alike; everything else on the uplink (heartbeats, other services) is skipped
    // without decoding.
    if (!absl::StrContains(absl::string_view(msg.payload.data(), msg.payload.size()), "tunnel.st")) {
      continue;
    }
    absl::StatusOr<kafka::Envelope> e =
        kafka::Decode(msg.payload, msg.HeaderValue(kafka::kContentTypeHeader));
    if (!e.ok()) {
      metrics_.malformed.Increment();
      continue;
    }
    std::optional<DeviceAnswer> answer = ParseAnswer(*e);
    if (!answer.has_value()) continue;
    if (!kafka::CheckFreshness(*e, clock_.Now(), options_.max_age, options_.max_future_skew).ok()) {
      metrics_.dropped_stale.Increment();
      continue;
    }
    absl::Duration backoff = absl::Milliseconds(50);
    while (true) {
      absl::Status st = ApplyAnswer(broker_, channel_, *answer, metrics_);
      if (st.ok()) break;
      if (!status::IsRetryable(st)) {
        log::Warn("device answer not applied", {{"session_id", answer->session_id},
                                                {"error", st.message()}});
        break;
      }
      metrics_.store_errors.Increment();
      log::WarnEvery("tunnel-answer-retry", absl::Seconds(10), "device answer: store unavailable, retrying",
                     {{"error", st.message()}});
      if (stop) return absl::CancelledError("stopping before the batch was applied");
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  if (!batch->empty()) {
    if (absl::Status st = consumer_.MarkProcessed(*batch); !st.ok()) return st;
  }
  return batch->size();
}

void ResponseConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<size_t> n = PollOnce(stop);
    if (!n.ok() && !absl::IsCancelled(n.status())) {
      log::WarnEvery("tunnel-answer-poll", absl::Seconds(10), "uplink poll failed",
                     {{"error", n.status().message()}});
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  consumer_.Close().IgnoreError();
}

}  // namespace fleet::tunnel
