#include "edge/sim/downlink.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/kafka/envelope.h"
#include "libs/log/log.h"
#include "libs/trace/span.h"
#include "libs/trace/trace.h"

namespace fleet::sim {

namespace {

std::map<std::string, std::string> Overrides(const DownlinkOptions& options) {
  std::map<std::string, std::string> o = {
      {"topic.metadata.refresh.interval.ms", absl::StrCat(options.metadata_refresh_ms)},
      {"session.timeout.ms", absl::StrCat(absl::ToInt64Milliseconds(options.session_timeout))},
      {"heartbeat.interval.ms",
       absl::StrCat(std::max<int64_t>(100, absl::ToInt64Milliseconds(options.session_timeout) / 4))}};
  if (const char* d = std::getenv("FLEET_SIM_KAFKA_DEBUG"); d != nullptr) o["debug"] = d;
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DownlinkLoop>> DownlinkLoop::Create(
    const DownlinkOptions& options, kafka::Producer& producer, Dispatcher& dispatcher,
    TunnelAgent& tunnels, std::function<bool(const std::string&)> is_simulated) {
  if (options.group_id.empty()) return absl::InvalidArgumentError("downlink: group id is empty");
  const std::string subscription = DownlinkSubscription(options.topic_template);
  if (!options.anchor_device_id.empty() && subscription.front() == '^') {
    // A metadata request naming the topic creates it where topics are auto-created (kafka-dev,
    // brokers with auto.create.topics.enable); elsewhere the topics are provisioned anyway.
    const std::string anchor = kafka::DownlinkTopic(options.topic_template, options.anchor_device_id);
    auto probe = kafka::Consumer::Create(
        {.bootstrap = options.bootstrap, .topics = {anchor}, .assign_all_from_end = true});
    if (!probe.ok()) {
      log::Warn("downlink: could not create the anchor topic; the regex subscription waits for a "
                "first matching topic",
                {{"topic", anchor}, {"error", std::string(probe.status().message())}});
    }
  }
  auto consumer = kafka::Consumer::Create(
      {.bootstrap = options.bootstrap,
       .group_id = options.group_id,
       .topics = {subscription},
       .overrides = Overrides(options)});
  if (!consumer.ok()) return consumer.status();
  return std::unique_ptr<DownlinkLoop>(new DownlinkLoop(options, std::move(*consumer), producer,
                                                        dispatcher, tunnels,
                                                        std::move(is_simulated)));
}

DownlinkLoop::DownlinkLoop(DownlinkOptions options, std::unique_ptr<kafka::Consumer> consumer,
                           kafka::Producer& producer, Dispatcher& dispatcher, TunnelAgent& tunnels,
                           std::function<bool(const std::string&)> is_simulated)
    : options_(std::move(options)),
      consumer_(std::move(consumer)),
      producer_(producer),
      dispatcher_(dispatcher),
      tunnels_(tunnels),
      is_simulated_(std::move(is_simulated)) {}

void DownlinkLoop::Handle(const kafka::Message& m) {
  received_.fetch_add(1);
  std::string device = m.key;
  if (device.empty()) device = DeviceFromTopic(options_.topic_template, m.topic);
  if (!is_simulated_(device)) {
    not_ours_.fetch_add(1);
    return;
  }
  auto held = held_.find(device);
  if (held != held_.end() || (silent_ && silent_(device, absl::Now()))) {
    std::deque<kafka::Message>& q = held_[device];
    if (q.size() >= kMaxHeldPerDevice) {
      q.pop_front();
      held_count_.fetch_sub(1);
    }
    q.push_back(m);
    held_count_.fetch_add(1);
    return;
  }
  Process(device, m);
}

void DownlinkLoop::ReleaseHeld(absl::Time now) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (silent_ && silent_(it->first, now)) {
      ++it;
      continue;
    }
    log::Info("device back: reading its downlink backlog", {{"device_id", it->first}, {"requests", it->second.size()}});
    for (const kafka::Message& m : it->second) Process(it->first, m);
    held_count_.fetch_sub(static_cast<int64_t>(it->second.size()));
    it = held_.erase(it);
  }
}

void DownlinkLoop::Process(const std::string& device, const kafka::Message& m) {
  absl::StatusOr<kafka::Envelope> e = kafka::Decode(m.payload, m.HeaderValue(kafka::kContentTypeHeader));
  if (!e.ok()) {
    malformed_.fetch_add(1);
    log::WarnEvery("sim-downlink-malformed", absl::Seconds(10), "malformed downlink message",
                   {{"error", std::string(e.status().message())}, {"topic", m.topic}});
    return;
  }
  std::optional<Outgoing> out = dispatcher_.Dispatch(device, *e, absl::Now());
  if (out.has_value()) {
    // The device's handling continues the caller's trace (a new span id under its context).
    if (auto parent = trace::ParseTraceparent(std::string(m.HeaderValue("traceparent"))); parent.ok()) {
      trace::Span handling(absl::StrCat("device ", e->type), trace::SpanKind::kConsumer, *parent, nullptr);
      out->traceparent = trace::FormatTraceparent(handling.context());
    }
  }
  if (!out.has_value()) {
    log::Info("downlink request dropped", {{"device_id", device}, {"id", e->id}, {"type", e->type}});
    return;
  }
  log::Info("downlink request", {{"device_id", device}, {"id", e->id}, {"type", e->type},
                                 {"status", out->response.overall_status_code}});
  pending_.push(std::move(*out));
}

void DownlinkLoop::SendDue(absl::Time now, bool all) {
  while (!pending_.empty() && (all || pending_.top().send_at <= now)) {
    Outgoing out = pending_.top();
    pending_.pop();
    out.response.timestamp = absl::Now();
    std::vector<kafka::Header> headers;
    if (!out.traceparent.empty()) headers.push_back({"traceparent", out.traceparent});
    absl::Status st = producer_.Send(out.topic, out.key, kafka::EncodeJson(out.response), headers);
    if (st.ok()) {
      replies_sent_.fetch_add(1);
    } else {
      reply_errors_.fetch_add(1);
      log::WarnEvery("sim-reply", absl::Seconds(10), "response not sent",
                     {{"error", std::string(st.message())}});
    }
  }
}

void DownlinkLoop::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<std::vector<kafka::Message>> batch = consumer_->Poll(500, absl::Milliseconds(50));
    if (!batch.ok()) {
      log::WarnEvery("sim-downlink-poll", absl::Seconds(10), "downlink poll failed",
                     {{"error", std::string(batch.status().message())}});
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    for (const kafka::Message& m : *batch) Handle(m);
    if (!batch->empty()) consumer_->MarkProcessed(*batch).IgnoreError();
    const absl::Time now = absl::Now();
    if (!held_.empty()) ReleaseHeld(now);
    SendDue(now, false);
    if (int n = tunnels_.Expire(now); n > 0) log::Info("frpc auto-stopped", {{"count", n}});
  }
  SendDue(absl::Now(), true);
  consumer_->Close().IgnoreError();
}

}  // namespace fleet::sim
