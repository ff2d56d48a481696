#include "services/device-config/edge/response_consumer.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "libs/status/status.h"

namespace fleet::devcfg {

absl::Status ApplyAnswerToService(ConfigService& service, ConfigPusher* pusher, const ApplyAnswer& a) {
  if (a.applied) {
    absl::StatusOr<ConfigState> st = service.ReportApplied(a.device_id, a.version, "applied", a.hash);
    if (!st.ok()) {
      if (status::IsRetryable(st.status())) {
        return st.status();
      }
      log::Warn("config answer not recorded", {{"device_id", a.device_id}, {"version", a.version},
                                               {"error", std::string(st.status().message())}});
    }
  } else {
    log::WarnEvery("config-apply-failed", absl::Seconds(10), "device failed to apply configuration",
                   {{"device_id", a.device_id}, {"version", a.version}, {"why", a.why}});
    absl::StatusOr<ConfigState> st = service.ReportFailed(a.device_id, a.version, a.why.empty() ? "failed" : a.why);
    if (!st.ok()) {
      if (status::IsRetryable(st.status())) {
        return st.status();
      }
      log::Warn("config failure not recorded", {{"device_id", a.device_id}, {"version", a.version},
                                                {"error", std::string(st.status().message())}});
    }
  }
  if (pusher != nullptr) pusher->OnAnswered(a.device_id, a.version);
  return absl::OkStatus();
}

absl::StatusOr<size_t> ConfigResponseConsumer::PollOnce(const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<kafka::Message>> batch = consumer_.Poll(1000, options_.poll_timeout);
  if (!batch.ok()) return batch.status();
  for (const kafka::Message& msg : *batch) {
    // Our request ids appear verbatim in JSON and protobuf payloads alike.
    if (!absl::StrContains(absl::string_view(msg.payload.data(), msg.payload.size()), "config.apply")) continue;
    absl::StatusOr<kafka::Envelope> e = kafka::Decode(msg.payload, msg.HeaderValue(kafka::kContentTypeHeader));
    if (!e.ok()) continue;
    std::optional<ApplyAnswer> answer = ParseApplyAnswer(*e);
    if (!answer.has_value()) continue;
    if (!kafka::CheckFreshness(*e, clock_.Now(), options_.max_age, options_.max_future_skew).ok()) continue;
    absl::Duration backoff = absl::Milliseconds(50);
    while (true) {
      absl::Status st = ApplyAnswerToService(service_, pusher_, *answer);
      if (st.ok()) break;
      log::WarnEvery("config-answer-retry", absl::Seconds(10), "config answer: store unavailable, retrying",
                     {{"error", std::string(st.message())}});
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

void ConfigResponseConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<size_t> n = PollOnce(stop);
    if (!n.ok() && !absl::IsCancelled(n.status())) {
      log::WarnEvery("config-answer-poll", absl::Seconds(10), "uplink poll failed",
                     {{"error", std::string(n.status().message())}});
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  consumer_.Close().IgnoreError();
}

}  // namespace fleet::devcfg
