#include "services/device-online/edge/uplink_consumer.h"

#include "absl/strings/str_cat.h"
#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "services/device-online/edge/newest_per_device.h"
#include "services/device-online/edge/uplink_decoder.h"

namespace fleet::online {
namespace {

prometheus::Counter& Uplinks(prometheus::Registry& r, const std::string& result) {
  return prometheus::BuildCounter()
      .Name("presence_uplink_messages_total")
      .Help("Uplink messages consumed by device-online, by outcome")
      .Register(r)
      .Add({{"result", result}});
}

std::string PartitionKey(const std::string& topic, int32_t partition) {
  return absl::StrCat(topic, "/", partition);
}

}  // namespace

UplinkMetrics::UplinkMetrics(prometheus::Registry& r)
    : applied(Uplinks(r, "applied")),
      coalesced(Uplinks(r, "coalesced")),
      dropped_stale(Uplinks(r, "stale")),
      dropped_future(Uplinks(r, "future")),
      dropped_malformed(Uplinks(r, "malformed")),
      store_errors(prometheus::BuildCounter()
                       .Name("presence_store_errors_total")
                       .Help("Failed presence store calls on the uplink path (batch retried)")
                       .Register(r)
                       .Add({})),
      redelivered(prometheus::BuildCounter()
                      .Name("presence_uplink_redelivered_total")
                      .Help("Uplink messages delivered again after this process had applied them "
                            "(a partition moved between its consumers before the commit); skipped")
                      .Register(r)
                      .Add({})),
      batch_seconds(prometheus::BuildHistogram()
                        .Name("presence_ingest_batch_seconds")
                        .Help("Time to apply one uplink batch to the presence store")
                        .Register(r)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})),
      lag_messages(prometheus::BuildGauge()
                       .Name("presence_uplink_lag_messages")
                       .Help("Messages behind the high watermark on this replica's partitions")
                       .Register(r)
                       .Add({})) {}

absl::StatusOr<size_t> UplinkConsumer::PollOnce(const std::atomic<bool>& stop) {
  absl::StatusOr<std::vector<kafka::Message>> batch =
      consumer_.Poll(options_.batch, options_.poll_timeout);
  if (!batch.ok()) return batch.status();
  if (batch->empty()) return 0;
  const absl::Time accumulate_until = absl::Now() + options_.accumulate;
  while (batch->size() < options_.batch && absl::Now() < accumulate_until) {
    absl::StatusOr<std::vector<kafka::Message>> more =
        consumer_.Poll(options_.batch - batch->size(), absl::Milliseconds(5));
    if (!more.ok() || more->empty()) break;  // caught up: apply what we have now
    batch->insert(batch->end(), std::make_move_iterator(more->begin()),
                  std::make_move_iterator(more->end()));
  }
  const std::vector<kafka::Message> again = processed_.Claim(*batch);
  if (!again.empty()) {
    metrics_.redelivered.Increment(static_cast<double>(again.size()));
    // Stored first: for a partition in both, `batch` holds the higher offsets.
    if (absl::Status st = consumer_.MarkProcessed(again); !st.ok()) {
      processed_.Release(*batch);
      return st;
    }
    if (batch->empty()) return again.size();
  }

  std::vector<Uplink> uplinks;
  std::map<std::string, absl::Time> newest;
  int64_t folded = 0;
  for (const std::vector<size_t>& group : NewestPerDevice(*batch)) {
    size_t tried = 0;
    for (size_t index : group) {
      const kafka::Message& m = (*batch)[index];
      ++tried;
      absl::StatusOr<Uplink> up =
          DecodeUplink(m.payload, m.HeaderValue(kafka::kContentTypeHeader));
      if (!up.ok()) {
        metrics_.dropped_malformed.Increment();
        log::WarnEvery("uplink-malformed", absl::Seconds(10), "dropping malformed uplink message",
                       {{"topic", m.topic}, {"partition", static_cast<int64_t>(m.partition)},
                        {"offset", m.offset}, {"error", std::string(up.status().message())}});
        continue;
      }
      absl::Time& t = newest[PartitionKey(m.topic, m.partition)];
      if (up->sent_at > t) t = up->sent_at;
      uplinks.push_back(std::move(*up));
      break;
    }
    folded += static_cast<int64_t>(group.size() - tried);
  }
  metrics_.coalesced.Increment(static_cast<double>(folded));

  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    const absl::Time start = absl::Now();
    absl::StatusOr<IngestResult> r = ingestor_.Apply(uplinks);
    if (r.ok()) {
      metrics_.batch_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - start));
      metrics_.applied.Increment(static_cast<double>(r->applied));
      metrics_.coalesced.Increment(static_cast<double>(r->coalesced));
      metrics_.dropped_stale.Increment(static_cast<double>(r->dropped_stale));
      metrics_.dropped_future.Increment(static_cast<double>(r->dropped_future));
      break;
    }
    metrics_.store_errors.Increment();
    log::WarnEvery("uplink-store", absl::Seconds(10),
                   "presence store unavailable; retrying the uplink batch (offsets held)",
                   {{"error", std::string(r.status().message())},
                    {"batch", static_cast<int64_t>(uplinks.size())}});
    if (stop.load()) {
      processed_.Release(*batch);
      return r.status();  // not marked processed: redelivered after restart
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  for (const auto& [key, t] : newest) {
    absl::Time& cur = applied_up_to_[key];
    if (t > cur) cur = t;
  }
  processed_.Applied(*batch);
  if (absl::Status st = consumer_.MarkProcessed(*batch); !st.ok()) return st;
  return batch->size() + again.size();
}

absl::Status UplinkConsumer::ReportWatermarks() {
  const absl::Time now = clock_.Now();
  std::map<std::string, absl::Time> report;
  int64_t lag_total = 0;
  for (const kafka::Consumer::PartitionLag& p : consumer_.Lag()) {
    const std::string key = PartitionKey(p.topic, p.partition);
    const bool empty_partition = p.high_watermark == 0;
    if (empty_partition || (p.high_watermark >= 0 && p.position >= p.high_watermark)) {
      report[key] = now;  // caught up: nothing sent before now is unread
      continue;
    }
    if (p.high_watermark >= 0 && p.position >= 0) lag_total += p.high_watermark - p.position;
    auto it = applied_up_to_.find(key);
    if (it != applied_up_to_.end()) report[key] = it->second;
  }
  metrics_.lag_messages.Set(static_cast<double>(lag_total));
  return watermarks_.Report(std::move(report));
}

void UplinkConsumer::Run(const std::atomic<bool>& stop) {
  absl::Time next_report = absl::InfinitePast();
  while (!stop.load()) {
    absl::StatusOr<size_t> n = PollOnce(stop);
    if (!n.ok()) {
      log::WarnEvery("uplink-poll", absl::Seconds(10), "uplink poll failed",
                     {{"error", std::string(n.status().message())}});
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (absl::Now() >= next_report) {
      if (absl::Status st = ReportWatermarks(); !st.ok()) {
        log::WarnEvery("uplink-watermark", absl::Seconds(10), "could not report ingest watermarks",
                       {{"error", std::string(st.message())}});
      }
      next_report = absl::Now() + options_.watermark_interval;
    }
  }
  if (absl::Status st = consumer_.CommitSync(); !st.ok()) {
    log::Warn("final offset commit failed", {{"error", std::string(st.message())}});
  }
}

}  // namespace fleet::online
