#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "libs/kafka/envelope.h"

namespace fleet::sim {

// What a request handler answers. The dispatcher turns it into the response envelope.
struct HandlerResult {
  int code = 200;                       // overall_status_code; 2xx = "Succeed", else "Failed"
  std::string description;              // human-readable, e.g. why it failed
  std::string body_json = "{}";         // must be a JSON object
  absl::Duration delay;                 // answer this long after the request was handled
};

// Handles one request of one simulated device. Called from the dispatcher's thread only.
using Handler = std::function<HandlerResult(const std::string& device_id,
                                            const kafka::Envelope& request, absl::Time now)>;

struct DispatcherOptions {
  std::string uplink_topic = "edge.up";
  absl::Duration request_max_age = absl::Minutes(10);  // older requests are dropped
  absl::Duration max_future_skew = absl::Minutes(1);   // requests from further ahead too
};

// A response to send at `send_at` to `topic`, keyed by the device id.
struct Outgoing {
  absl::Time send_at;
  std::string topic;
  std::string key;
  kafka::Envelope response;
  // W3C trace context for the response's `traceparent` header: the request's trace with a new
  // span id (the device's handling), "" when the request carried none.
  std::string traceparent;
};

// Maps a downlink request's `type` to its handler, the way a gateway's watchdog does: drops
// requests older than their max age (counted), answers unknown types with 501, and addresses
// the response to the request's reply_to topic or else the uplink topic. Register handlers
// before the first Dispatch; Dispatch is then called from one thread, counters may be read
// from any thread.
class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options) : options_(std::move(options)) {}

  void Register(std::string type, Handler handler);

  // The response to send, or std::nullopt when the message is dropped (not a request, stale
  // or from the future).
  std::optional<Outgoing> Dispatch(const std::string& device_id, const kafka::Envelope& request,
                                   absl::Time now);

  int64_t handled() const { return handled_.load(); }
  int64_t dropped_stale() const { return dropped_stale_.load(); }
  int64_t dropped_other() const { return dropped_other_.load(); }
  int64_t unknown_type() const { return unknown_type_.load(); }

 private:
  const DispatcherOptions options_;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::atomic<int64_t> handled_{0}, dropped_stale_{0}, dropped_other_{0}, unknown_type_{0};
};

// Regex subscription for a per-device downlink template ("edge.{device_id}.down" ->
// "^edge\..*\.down$"), or the template itself when it has no "{device_id}" (a shared topic).
std::string DownlinkSubscription(std::string_view topic_template);

// The device id a per-device downlink topic belongs to ("" when the topic does not fit the
// template or the template has no "{device_id}").
std::string DeviceFromTopic(std::string_view topic_template, std::string_view topic);

}  // namespace fleet::sim
