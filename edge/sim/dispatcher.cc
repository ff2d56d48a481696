#include "edge/sim/dispatcher.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace fleet::sim {
namespace {

constexpr std::string_view kPlaceholder = "{device_id}";

std::string RegexEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Dispatcher::Register(std::string type, Handler handler) {
  handlers_[std::move(type)] = std::move(handler);
}

std::optional<Outgoing> Dispatcher::Dispatch(const std::string& device_id,
                                             const kafka::Envelope& request, absl::Time now) {
  if (request.kind != kafka::EnvelopeKind::kRequest || device_id.empty()) {
    dropped_other_.fetch_add(1);
    return std::nullopt;
  }
  if (!kafka::CheckFreshness(request, now, options_.request_max_age, options_.max_future_skew).ok()) {
    if (request.timestamp < now) {
      dropped_stale_.fetch_add(1);
    } else {
      dropped_other_.fetch_add(1);
    }
    return std::nullopt;
  }
  HandlerResult result;
  auto it = handlers_.find(request.type);
  if (it == handlers_.end()) {
    unknown_type_.fetch_add(1);
    result.code = 501;
    result.description = absl::StrCat("unsupported request type \"", request.type, "\"");
  } else {
    result = it->second(device_id, request, now);
    handled_.fetch_add(1);
  }
  Outgoing out;
  out.send_at = now + result.delay;
  out.topic = request.reply_to.empty() ? options_.uplink_topic : request.reply_to;
  out.key = device_id;
  kafka::Envelope& r = out.response;
  r.kind = kafka::EnvelopeKind::kResponse;
  r.id = request.id;
  r.sender = "edge/" + device_id;
  r.timestamp = out.send_at;
  r.description = std::move(result.description);
  r.overall_status_code = result.code;
  r.overall_status = result.code >= 200 && result.code < 300 ? "Succeed" : "Failed";
  r.body_json = std::move(result.body_json);
  return out;
}

std::string DownlinkSubscription(std::string_view topic_template) {
  if (topic_template.empty()) topic_template = kafka::kDefaultDownlinkTemplate;
  const size_t at = topic_template.find(kPlaceholder);
  if (at == std::string_view::npos) return std::string(topic_template);
  return absl::StrCat("^", RegexEscape(topic_template.substr(0, at)), ".*",
                      RegexEscape(topic_template.substr(at + kPlaceholder.size())), "$");
}

std::string DeviceFromTopic(std::string_view topic_template, std::string_view topic) {
  if (topic_template.empty()) topic_template = kafka::kDefaultDownlinkTemplate;
  const size_t at = topic_template.find(kPlaceholder);
  if (at == std::string_view::npos) return "";
  const std::string_view prefix = topic_template.substr(0, at);
  const std::string_view suffix = topic_template.substr(at + kPlaceholder.size());
  if (topic.size() <= prefix.size() + suffix.size() || topic.substr(0, prefix.size()) != prefix ||
      topic.substr(topic.size() - suffix.size()) != suffix) {
    return "";
  }
  return std::string(topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size()));
}

}  // namespace fleet::sim
