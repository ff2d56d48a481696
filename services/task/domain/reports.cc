#include "services/task/domain/reports.h"

#include <iterator>
#include <map>
#include <optional>

namespace fleet::task {
namespace {

ExecContext ContextOf(const Campaign& c) {
  return ExecContext{c.spec.kind, &c.spec, c.state != CampaignState::kCanceled};
}

// A report about one execution, with the attempt from its request id.
struct Item {
  const DeviceReport* report;
  int attempt;
};

enum class Result { kApplied, kSuperseded, kIgnored };

// Progress that can only move an execution within or into one step (no log line, no version,
// not a final word).
bool PlainProgress(const DeviceReport& r) {
  if (r.kind != DeviceReport::Kind::kProgress) return false;
  const ExecState s = r.progress.state;
  return r.progress.message.empty() && r.progress.version.empty() &&
         (s == ExecState::kDownloading || s == ExecState::kVerifying ||
          s == ExecState::kInstalling || s == ExecState::kRebooting);
}

// `next` makes `r` redundant: applying `r` then `next` leaves the execution exactly as
// applying `next` alone does (same step, same attempt, percent not lower and still valid).
bool Supersedes(const Item& next, const Item& r) {
  return PlainProgress(*r.report) && PlainProgress(*next.report) && next.attempt == r.attempt &&
         next.report->device_id == r.report->device_id &&
         next.report->progress.state == r.report->progress.state &&
         next.report->progress.percent >= r.report->progress.percent &&
         next.report->progress.percent <= 100;
}

// items[j] is an answer already seen earlier in the batch (a redelivered copy).
bool RepeatedAnswer(const std::vector<Item>& items, size_t j) {
  const DeviceReport& r = *items[j].report;
  if (r.kind != DeviceReport::Kind::kResponse) return false;
  for (size_t i = 0; i < j; ++i) {
    const DeviceReport& o = *items[i].report;
    if (o.kind == r.kind && o.request_id == r.request_id && o.device_id == r.device_id &&
        o.code == r.code && o.detail == r.detail) {
      return true;
    }
  }
  return false;
}

std::vector<Event> ApplyOne(Execution& e, const ExecContext& c, const Item& item, absl::Time now) {
  const DeviceReport& r = *item.report;
  switch (r.kind) {
    case DeviceReport::Kind::kResponse:
      return OnResponse(e, c, item.attempt, r.code, r.detail, now);
    case DeviceReport::Kind::kProgress: {
      Progress p = r.progress;
      p.attempt = item.attempt;
      return OnProgress(e, c, p, now);
    }
    case DeviceReport::Kind::kLog:
      return OnLog(e, item.attempt, r.detail, now);
    case DeviceReport::Kind::kVersion:
      break;
  }
  return {};
}

void Append(std::vector<Event>& to, std::vector<Event> events) {
  to.insert(to.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
}

}  // namespace

absl::StatusOr<ReportsOutcome> DeviceReports::ApplyBatch(const std::vector<DeviceReport>& batch) {
  ReportsOutcome out;
  std::map<int64_t, std::vector<Item>> by_execution;  // arrival order per execution
  std::map<std::string, std::string> versions;        // the newest report per device wins
  for (const DeviceReport& r : batch) {
    if (r.kind == DeviceReport::Kind::kVersion) {
      ++out.versions;
      versions[r.device_id] = r.version;
      continue;
    }
    const std::optional<RequestRef> ref = ParseRequestId(r.request_id);
    if (!ref.has_value()) {
      ++out.ignored;
      continue;
    }
    by_execution[ref->execution_id].push_back({&r, ref->attempt});
  }
  std::vector<int64_t> ids;
  for (const auto& [id, items] : by_execution) ids.push_back(id);
  if (!versions.empty()) {
    // Executions already awaiting a version (a snapshot: the transaction below re-checks them
    // under their locks). Those this batch's progress moves there are in `ids` already.
    std::vector<std::string> devices;
    for (const auto& [device, version] : versions) devices.push_back(device);
    absl::StatusOr<std::vector<Execution>> awaiting = campaigns_.AwaitingVersion(devices);
    if (!awaiting.ok()) return awaiting.status();
    for (const Execution& e : *awaiting) {
      if (versions[e.device_id] == e.target_version) ids.push_back(e.id);
    }
  }
  if (ids.empty()) return out;

  const absl::Time now = clock_.Now();
  std::map<int64_t, std::vector<Result>> results;  // per execution, in item order
  std::map<int64_t, bool> confirmed;
  absl::StatusOr<ExecutionsUpdate> update = campaigns_.UpdateExecutions(
      ids, [&](Execution& e, const Campaign& c) -> std::vector<Event> {
        std::vector<Event> events;
        auto it = by_execution.find(e.id);
        if (it != by_execution.end()) {
          const std::vector<Item>& items = it->second;
          std::vector<Result>& res = results[e.id];
          res.assign(items.size(), Result::kIgnored);
          const ExecContext context = ContextOf(c);
          for (size_t j = 0; j < items.size(); ++j) {
            if (j + 1 < items.size() && Supersedes(items[j + 1], items[j])) {
              res[j] = Result::kSuperseded;
              continue;
            }
            if (items[j].report->device_id != e.device_id || RepeatedAnswer(items, j)) continue;
            std::vector<Event> ev = ApplyOne(e, context, items[j], now);
            if (ev.empty()) continue;
            res[j] = Result::kApplied;
            Append(events, std::move(ev));
          }
        }
        auto v = versions.find(e.device_id);
        if (v != versions.end()) {
          std::vector<Event> ev = OnVersionReported(e, v->second, now);
          confirmed[e.id] = !ev.empty();
          Append(events, std::move(ev));
        }
        return events;
      });
  if (!update.ok()) return update.status();

  for (const auto& [id, res] : results) {
    for (Result r : res) {
      switch (r) {
        case Result::kApplied: ++out.applied; break;
        case Result::kSuperseded: ++out.superseded; break;
        case Result::kIgnored: ++out.ignored; break;
      }
    }
  }
  for (const auto& [id, ok] : confirmed) out.confirmed += ok ? 1 : 0;
  for (int64_t id : update->missing) {
    auto it = by_execution.find(id);
    if (it != by_execution.end()) out.unknown += static_cast<int>(it->second.size());
  }
  return out;
}

namespace {

absl::StatusOr<bool> AppliedOne(absl::StatusOr<ReportsOutcome> outcome) {
  if (!outcome.ok()) return outcome.status();
  return outcome->applied > 0;
}

}  // namespace

absl::StatusOr<bool> DeviceReports::OnResponse(std::string_view device_id,
                                               std::string_view request_id, int code,
                                               std::string_view detail) {
  DeviceReport r;
  r.kind = DeviceReport::Kind::kResponse;
  r.device_id = std::string(device_id);
  r.request_id = std::string(request_id);
  r.code = code;
  r.detail = std::string(detail);
  return AppliedOne(ApplyBatch({r}));
}

absl::StatusOr<bool> DeviceReports::OnProgress(std::string_view device_id,
                                               std::string_view request_id, Progress p) {
  DeviceReport r;
  r.kind = DeviceReport::Kind::kProgress;
  r.device_id = std::string(device_id);
  r.request_id = std::string(request_id);
  r.progress = std::move(p);
  return AppliedOne(ApplyBatch({r}));
}

absl::StatusOr<bool> DeviceReports::OnLog(std::string_view device_id, std::string_view request_id,
                                          std::string_view line) {
  DeviceReport r;
  r.kind = DeviceReport::Kind::kLog;
  r.device_id = std::string(device_id);
  r.request_id = std::string(request_id);
  r.detail = std::string(line);
  return AppliedOne(ApplyBatch({r}));
}

absl::StatusOr<int> DeviceReports::OnVersions(
    const std::vector<std::pair<std::string, std::string>>& reported) {
  std::vector<DeviceReport> batch;
  for (const auto& [device, version] : reported) {
    DeviceReport r;
    r.kind = DeviceReport::Kind::kVersion;
    r.device_id = device;
    r.version = version;
    batch.push_back(std::move(r));
  }
  absl::StatusOr<ReportsOutcome> outcome = ApplyBatch(batch);
  if (!outcome.ok()) return outcome.status();
  return outcome->confirmed;
}

}  // namespace fleet::task
