#include "libs/kafka/producer.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/kafka/rdkafka_conf.h"

namespace fleet::kafka {
namespace {

constexpr absl::Duration kQueueFullWait = absl::Milliseconds(100);
constexpr absl::Duration kQueueFullRetry = absl::Milliseconds(5);

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  if (options.bootstrap.empty() && !options.overrides.count("bootstrap.servers")) {
    return absl::InvalidArgumentError("kafka producer: bootstrap servers are empty");
  }
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.bootstrap},
      {"client.id", "fleetd"},
      {"linger.ms", "5"},
      {"enable.idempotence", "true"},
      {"compression.type", "none"},
      {"message.timeout.ms", "60000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"batch.num.messages", "10000"},
      {"log.connection.close", "false"},
  };
  absl::StatusOr<rd_kafka_conf_t*> conf = internal::BuildConf(defaults, options.overrides);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, &Producer::OnDelivery);
  // OnDelivery finds the Producer through the conf opaque.
  auto* holder = new Producer(nullptr);
  rd_kafka_conf_set_opaque(*conf, holder);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    delete holder;
    return absl::InvalidArgumentError(absl::StrCat("kafka producer: ", err));
  }
  holder->rk_ = rk;
  holder->poller_ = std::thread([holder] { holder->PollLoop(); });
  return std::unique_ptr<Producer>(holder);
}

Producer::Producer(rd_kafka_t* rk) : rk_(rk) {}

Producer::~Producer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 5000);
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
  rd_kafka_destroy(rk_);
}

void Producer::PollLoop() {
  while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_, 100);
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<Producer*>(opaque);
  const int64_t failures = self->delivery_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  const char* topic = msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "?";
  internal::WarnRateLimited(
      absl::StrCat("delivery:", topic),
      absl::StrCat("delivery to topic ", topic, " failed: ", rd_kafka_err2str(msg->err),
                   " (", failures, " delivery failures so far)"));
}

absl::Status Producer::Send(std::string_view topic, std::string_view key, std::string_view payload,
                            const std::vector<Header>& headers) {
  const std::string topic_name(topic);
  const absl::Time give_up = absl::Now() + kQueueFullWait;
  while (true) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const Header& h : headers) {
        rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value.data(), static_cast<ssize_t>(h.value.size()));
      }
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();  // headers now owned
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
    switch (err) {
      case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        if (absl::Now() >= give_up) {
          return absl::ResourceExhaustedError(
              absl::StrCat("kafka producer: local queue full sending to ", topic_name));
        }
        absl::SleepFor(kQueueFullRetry);
        continue;
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      case RD_KAFKA_RESP_ERR__INVALID_ARG:
      case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
        return absl::InvalidArgumentError(
            absl::StrCat("kafka producer: send to ", topic_name, ": ", rd_kafka_err2str(err)));
      default:
        return absl::UnavailableError(
            absl::StrCat("kafka producer: send to ", topic_name, ": ", rd_kafka_err2str(err)));
    }
  }
}

absl::Status Producer::Flush(absl::Duration timeout) {
  const rd_kafka_resp_err_t err =
      rd_kafka_flush(rk_, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat("kafka producer: ", rd_kafka_outq_len(rk_),
                                                  " records still in flight after ",
                                                  absl::FormatDuration(timeout)));
}

}  // namespace fleet::kafka
