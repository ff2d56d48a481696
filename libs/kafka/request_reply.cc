#include "libs/kafka/request_reply.h"

#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/kafka/rdkafka_conf.h"
#include "libs/status/status.h"

namespace fleet::kafka {
namespace {

constexpr size_t kReceiveBatch = 256;
constexpr absl::Duration kReceivePoll = absl::Milliseconds(100);

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RequestReplyClient>> RequestReplyClient::Create(
    const Options& options) {
  if (options.reply_topic.empty()) return absl::InvalidArgumentError("request/reply: empty reply_topic");
  if (options.sender.empty()) return absl::InvalidArgumentError("request/reply: empty sender");
  absl::StatusOr<std::unique_ptr<Producer>> producer =
      Producer::Create({.bootstrap = options.bootstrap, .overrides = {{"linger.ms", "1"}}});
  if (!producer.ok()) return producer.status();
  ConsumerOptions consumer_options;
  consumer_options.bootstrap = options.bootstrap;
  consumer_options.topics = {options.reply_topic};
  consumer_options.assign_all_from_end = true;
  consumer_options.overrides = {{"fetch.wait.max.ms", "10"}};
  absl::StatusOr<std::unique_ptr<Consumer>> consumer = Consumer::Create(consumer_options);
  if (!consumer.ok()) return consumer.status();
  return std::unique_ptr<RequestReplyClient>(
      new RequestReplyClient(options, *std::move(producer), *std::move(consumer)));
}

RequestReplyClient::RequestReplyClient(Options options, std::unique_ptr<Producer> producer,
                                       std::unique_ptr<Consumer> consumer)
    : options_(std::move(options)),
      producer_(std::move(producer)),
      consumer_(std::move(consumer)) {
  receiver_ = std::thread([this] { ReceiveLoop(); });
}

RequestReplyClient::~RequestReplyClient() {
  stop_.store(true);
  receiver_.join();
  consumer_->Close().IgnoreError();
}

void RequestReplyClient::ReceiveLoop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    absl::StatusOr<std::vector<Message>> batch = consumer_->Poll(kReceiveBatch, kReceivePoll);
    if (!batch.ok()) {
      internal::WarnRateLimited("request_reply:poll",
                                absl::StrCat("request/reply: ", batch.status().ToString()));
      absl::SleepFor(kReceivePoll);
      continue;
    }
    for (const Message& m : *batch) {
      absl::StatusOr<Envelope> e = Decode(m.payload, m.HeaderValue(kContentTypeHeader));
      if (!e.ok()) {
        internal::WarnRateLimited(
            "request_reply:decode",
            absl::StrCat("request/reply: dropping undecodable message on ", m.topic, ": ",
                         e.status().ToString()));
        unmatched_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (e->kind != EnvelopeKind::kResponse) {
        unmatched_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      Deliver(*std::move(e));
    }
  }
}

void RequestReplyClient::Deliver(Envelope response) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(response.id);
  if (it == pending_.end()) {
    unmatched_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  it->second->response = std::move(response);
  it->second->done = true;
  pending_.erase(it);
}

absl::StatusOr<Envelope> RequestReplyClient::Call(std::string_view device_id, Envelope request,
                                                  absl::Time deadline,
                                                  std::string_view traceparent) {
  if (device_id.empty()) return absl::InvalidArgumentError("request/reply: empty device id");
  if (request.type.empty()) return absl::InvalidArgumentError("request/reply: empty request type");
  if (request.body_json.empty()) request.body_json = "{}";
  if (absl::Status s = ValidateBodyJson(request.body_json); !s.ok()) return s;
  request.kind = EnvelopeKind::kRequest;
  if (request.id.empty()) request.id = NewRequestId();
  if (request.sender.empty()) request.sender = options_.sender;
  request.reply_to = options_.reply_topic;
  request.timestamp = absl::Now();
  const std::string topic = DownlinkTopic(options_.downlink_template, device_id);
  if (deadline <= request.timestamp) {
    return status::MakeError(absl::StatusCode::kDeadlineExceeded, "DEVICE_TIMEOUT",
                       absl::StrCat("deadline passed before request ", request.id, " (",
                                    request.type, ") was sent to ", topic));
  }

  auto pending = std::make_shared<Pending>();
  {
    absl::MutexLock lock(&mu_);
    if (!pending_.emplace(request.id, pending).second) {
      return absl::AlreadyExistsError(
          absl::StrCat("request/reply: request id ", request.id, " is already in flight"));
    }
  }
  std::vector<Header> headers = {{std::string(kContentTypeHeader), std::string(kJsonContentType)}};
  if (!traceparent.empty()) headers.push_back({"traceparent", std::string(traceparent)});
  absl::Status sent = producer_->Send(topic, device_id, EncodeJson(request), headers);

  absl::MutexLock lock(&mu_);
  if (sent.ok()) mu_.AwaitWithDeadline(absl::Condition(&pending->done), deadline);
  if (pending->done) return std::move(pending->response);
  pending_.erase(request.id);
  if (!sent.ok()) return sent;
  return status::MakeError(absl::StatusCode::kDeadlineExceeded, "DEVICE_TIMEOUT",
                     absl::StrCat("no response from device ", std::string(device_id),
                                  " to request ", request.id, " (", request.type, ") on ",
                                  options_.reply_topic, " before the deadline"));
}

}  // namespace fleet::kafka
