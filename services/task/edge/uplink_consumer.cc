#include "services/task/edge/uplink_consumer.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "libs/status/status.h"
#include "prometheus/family.h"

namespace fleet::task {
namespace {

prometheus::Family<prometheus::Counter>& Reports(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("task_device_reports_total")
      .Help("Device reports (answers, progress, logs, versions) by outcome")
      .Register(r);
}


}  // namespace

UplinkMetrics::UplinkMetrics(prometheus::Registry& r)
    : applied(Reports(r).Add({{"outcome", "applied"}})),
      ignored(Reports(r).Add({{"outcome", "ignored"}})),
      confirmed(Reports(r).Add({{"outcome", "version_confirmed"}})),
      dropped_stale(Reports(r).Add({{"outcome", "dropped_stale"}})),
      malformed(Reports(r).Add({{"outcome", "malformed"}})),
      store_errors(Reports(r).Add({{"outcome", "store_error"}})) {}

absl::Status ApplyUplink(DeviceReports& reports, const Uplink& u, UplinkMetrics& m) {
  absl::StatusOr<bool> changed = false;
  switch (u.kind) {
    case Uplink::Kind::kResponse:
      changed = reports.OnResponse(u.device_id, u.request_id, u.code, u.detail);
      break;
    case Uplink::Kind::kProgress:
      changed = reports.OnProgress(u.device_id, u.request_id, u.progress);
      break;
    case Uplink::Kind::kLog:
      changed = reports.OnLog(u.device_id, u.request_id, u.detail);
      break;
    case Uplink::Kind::kHeartbeat:
      return absl::OkStatus();
  }
  if (!changed.ok()) return changed.status();
  (*changed ? m.applied : m.ignored).Increment();
  return absl::OkStatus();
}

absl::Status UplinkConsumer::Retry(const std::atomic<bool>& stop,
                                   const std::function<absl::Status()>& fn) {
  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    absl::Status st = fn();
    if (st.ok() || !status::IsRetryable(st)) return st;
    metrics_.store_errors.Increment();
    log::WarnEvery("task-uplink-retry", absl::Seconds(10),
                   "device report: store unavailable, retrying", {{"error", st.message()}});
    if (stop) return absl::CancelledError("stopping before the batch was applied");
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::StatusOr<size_t> UplinkConsumer::PollOnce(const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<kafka::Message>> batch =
      consumer_.Poll(options_.max_batch, options_.poll_timeout);
  if (!batch.ok()) return batch.status();
  std::vector<std::pair<std::string, std::string>> versions;
  for (const kafka::Message& msg : *batch) {
    // Our request ids ("task-…") and heartbeats appear verbatim in JSON and protobuf payloads
    // alike; everything else on the uplink is skipped without decoding.
    const absl::string_view payload(msg.payload.data(), msg.payload.size());
    if (!absl::StrContains(payload, "task-") && !absl::StrContains(payload, "heartbeat")) continue;
    absl::StatusOr<kafka::Envelope> e =
        kafka::Decode(msg.payload, msg.HeaderValue(kafka::kContentTypeHeader));
    if (!e.ok()) {
      metrics_.malformed.Increment();
      continue;
    }
    std::optional<Uplink> u = ParseUplink(*e);
    if (!u.has_value()) continue;
    if (!kafka::CheckFreshness(*e, clock_.Now(), options_.max_age, options_.max_future_skew).ok()) {
      metrics_.dropped_stale.Increment();
      continue;
    }
    if (u->kind == Uplink::Kind::kHeartbeat) {
      versions.emplace_back(u->device_id, u->firmware);
      continue;
    }
    absl::Status st = Retry(stop, [&] { return ApplyUplink(reports_, *u, metrics_); });
    if (absl::IsCancelled(st)) return st;
    if (!st.ok()) {
      log::Warn("device report not applied", {{"request_id", u->request_id}, {"error", st.message()}});
    }
  }
  if (!versions.empty()) {
    absl::Status st = Retry(stop, [&]() -> absl::Status {
      absl::StatusOr<int> n = reports_.OnVersions(versions);
      if (!n.ok()) return n.status();
      metrics_.confirmed.Increment(*n);
      return absl::OkStatus();
    });
    if (absl::IsCancelled(st)) return st;
    if (!st.ok()) log::Warn("version reports not applied", {{"error", st.message()}});
  }
  if (!batch->empty()) {
    if (absl::Status st = consumer_.MarkProcessed(*batch); !st.ok()) return st;
  }
  return batch->size();
}

void UplinkConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<size_t> n = PollOnce(stop);
    if (!n.ok() && !absl::IsCancelled(n.status())) {
      log::WarnEvery("task-uplink-poll", absl::Seconds(10), "uplink poll failed",
                     {{"error", n.status().message()}});
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  consumer_.Close().IgnoreError();
}

}  // namespace fleet::task
