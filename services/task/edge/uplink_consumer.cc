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
      superseded(Reports(r).Add({{"outcome", "superseded"}})),
      ignored(Reports(r).Add({{"outcome", "ignored"}})),
      unknown(Reports(r).Add({{"outcome", "unknown_execution"}})),
      confirmed(Reports(r).Add({{"outcome", "version_confirmed"}})),
      dropped_stale(Reports(r).Add({{"outcome", "dropped_stale"}})),
      malformed(Reports(r).Add({{"outcome", "malformed"}})),
      store_errors(Reports(r).Add({{"outcome", "store_error"}})) {}

DeviceReport ToReport(const Uplink& u) {
  DeviceReport r;
  r.device_id = u.device_id;
  r.request_id = u.request_id;
  switch (u.kind) {
    case Uplink::Kind::kResponse:
      r.kind = DeviceReport::Kind::kResponse;
      r.code = u.code;
      r.detail = u.detail;
      break;
    case Uplink::Kind::kProgress:
      r.kind = DeviceReport::Kind::kProgress;
      r.progress = u.progress;
      break;
    case Uplink::Kind::kLog:
      r.kind = DeviceReport::Kind::kLog;
      r.detail = u.detail;
      break;
    case Uplink::Kind::kHeartbeat:
      r.kind = DeviceReport::Kind::kVersion;
      r.version = u.firmware;
      break;
  }
  return r;
}

absl::Status ApplyUplinks(DeviceReports& reports, const std::vector<Uplink>& uplinks,
                          UplinkMetrics& m) {
  if (uplinks.empty()) return absl::OkStatus();
  std::vector<DeviceReport> batch;
  batch.reserve(uplinks.size());
  for (const Uplink& u : uplinks) batch.push_back(ToReport(u));
  absl::StatusOr<ReportsOutcome> out = reports.ApplyBatch(batch);
  if (!out.ok()) return out.status();
  m.applied.Increment(out->applied);
  m.superseded.Increment(out->superseded);
  m.ignored.Increment(out->ignored);
  m.unknown.Increment(out->unknown);
  m.confirmed.Increment(out->confirmed);
  if (out->unknown > 0) {
    log::WarnEvery("task-uplink-unknown", absl::Seconds(10),
                   "device reports for unknown executions skipped",
                   {{"count", out->unknown}});
  }
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
  std::vector<Uplink> uplinks;
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
    uplinks.push_back(*std::move(u));
  }
  absl::Status st = Retry(stop, [&] { return ApplyUplinks(reports_, uplinks, metrics_); });
  if (absl::IsCancelled(st)) return st;
  if (!st.ok()) {
    // Not retryable (e.g. a row the store cannot decode): isolate it, report by report.
    log::Warn("device report batch rejected; applying it report by report",
              {{"reports", static_cast<int64_t>(uplinks.size())}, {"error", st.message()}});
    for (const Uplink& u : uplinks) {
      absl::Status one = Retry(stop, [&] { return ApplyUplinks(reports_, {u}, metrics_); });
      if (absl::IsCancelled(one)) return one;
      if (!one.ok()) {
        log::Warn("device report not applied",
                  {{"device_id", u.device_id}, {"request_id", u.request_id}, {"error", one.message()}});
      }
    }
  }
  // Only now (the batch's transaction committed) may the offsets move past it.
  if (!batch->empty()) {
    if (absl::Status mark = consumer_.MarkProcessed(*batch); !mark.ok()) return mark;
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
