#include "services/task/domain/reports.h"

#include <map>

namespace fleet::task {
namespace {

ExecContext ContextOf(const Campaign& c) {
  return ExecContext{c.spec.kind, &c.spec, c.state != CampaignState::kCanceled};
}

}  // namespace

absl::StatusOr<bool> DeviceReports::Apply(
    std::string_view device_id, std::string_view request_id,
    const std::function<std::vector<Event>(Execution&, const Campaign&, int)>& fn) {
  const std::optional<RequestRef> ref = ParseRequestId(request_id);
  if (!ref.has_value()) return false;
  bool changed = false;
  absl::StatusOr<std::optional<Execution>> e = campaigns_.UpdateExecution(
      ref->execution_id, [&](Execution& e, const Campaign& c) -> std::vector<Event> {
        if (e.device_id != device_id) return {};
        std::vector<Event> events = fn(e, c, ref->attempt);
        changed = !events.empty();
        return events;
      });
  if (!e.ok()) return e.status();
  return changed;
}

absl::StatusOr<bool> DeviceReports::OnResponse(std::string_view device_id,
                                               std::string_view request_id, int code,
                                               std::string_view detail) {
  const absl::Time now = clock_.Now();
  return Apply(device_id, request_id, [&](Execution& e, const Campaign& c, int attempt) {
    return task::OnResponse(e, ContextOf(c), attempt, code, detail, now);
  });
}

absl::StatusOr<bool> DeviceReports::OnProgress(std::string_view device_id,
                                               std::string_view request_id, Progress p) {
  const absl::Time now = clock_.Now();
  return Apply(device_id, request_id, [&](Execution& e, const Campaign& c, int attempt) {
    p.attempt = attempt;
    return task::OnProgress(e, ContextOf(c), p, now);
  });
}

absl::StatusOr<bool> DeviceReports::OnLog(std::string_view device_id, std::string_view request_id,
                                          std::string_view line) {
  const absl::Time now = clock_.Now();
  return Apply(device_id, request_id, [&](Execution& e, const Campaign&, int attempt) {
    return task::OnLog(e, attempt, line, now);
  });
}

absl::StatusOr<int> DeviceReports::OnVersions(
    const std::vector<std::pair<std::string, std::string>>& reported) {
  if (reported.empty()) return 0;
  std::map<std::string, std::string> latest;  // the newest report per device wins
  for (const auto& [device, version] : reported) latest[device] = version;
  std::vector<std::string> ids;
  for (const auto& [device, version] : latest) ids.push_back(device);
  absl::StatusOr<std::vector<Execution>> awaiting = campaigns_.AwaitingVersion(ids);
  if (!awaiting.ok()) return awaiting.status();
  const absl::Time now = clock_.Now();
  int confirmed = 0;
  for (const Execution& candidate : *awaiting) {
    const std::string& version = latest[candidate.device_id];
    if (version != candidate.target_version) continue;
    bool changed = false;
    absl::StatusOr<std::optional<Execution>> e = campaigns_.UpdateExecution(
        candidate.id, [&](Execution& e, const Campaign&) {
          std::vector<Event> events = OnVersionReported(e, version, now);
          changed = !events.empty();
          return events;
        });
    if (!e.ok()) return e.status();
    if (changed) ++confirmed;
  }
  return confirmed;
}

}  // namespace fleet::task
