#include "services/task/domain/task_manager.h"

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/ids/device_id.h"
#include "libs/status/status.h"
#include "services/task/domain/errors.h"

namespace fleet::task {
namespace {

std::string RandomId(char prefix) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock l(&mu);
  return absl::StrFormat("%c%016x", prefix, absl::Uniform<uint64_t>(*gen));
}

Event CampaignEvent(const Campaign& c, absl::Time now, std::string message) {
  Event ev;
  ev.at = now;
  ev.campaign_id = c.id;
  ev.kind = Event::Kind::kCampaign;
  ev.message = std::move(message);
  return ev;
}

bool Compatible(ArtifactKind a, CampaignKind c) {
  return (a == ArtifactKind::kFirmware && c == CampaignKind::kFirmware) ||
         (a == ArtifactKind::kMcu && c == CampaignKind::kMcu);
}

}  // namespace

TaskManager::TaskManager(ArtifactStore& artifacts, CampaignStore& campaigns,
                         DeviceDirectory& directory, Clock& clock, TaskManagerOptions options,
                         IdGenerator ids)
    : artifacts_(artifacts),
      campaigns_(campaigns),
      directory_(directory),
      clock_(clock),
      options_(options),
      ids_(ids ? std::move(ids) : IdGenerator(RandomId)) {}

absl::StatusOr<Artifact> TaskManager::CreateArtifact(Artifact a) {
  if (absl::Status st = ValidateArtifact(a); !st.ok()) return st;
  a.id = ids_('a');
  a.create_time = clock_.Now();
  return artifacts_.CreateArtifact(a);
}

absl::StatusOr<Artifact> TaskManager::GetArtifact(std::string_view id) {
  absl::StatusOr<std::optional<Artifact>> a = artifacts_.GetArtifact(id);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return ArtifactNotFound(id);
  return **a;
}

absl::StatusOr<Page<Artifact>> TaskManager::ListArtifacts(const Cursor& after, int limit) {
  return artifacts_.ListArtifacts(after, limit);
}

absl::Status TaskManager::DeleteArtifact(std::string_view id) { return artifacts_.DeleteArtifact(id); }

absl::StatusOr<Campaign> TaskManager::CreateCampaign(std::string display_name, CampaignSpec spec,
                                                     std::string operator_id) {
  const absl::Time now = clock_.Now();
  if (display_name.size() > 256) {
    return status::InvalidField("display_name", "display_name must be at most 256 bytes");
  }
  absl::StatusOr<CampaignSpec> normalized = NormalizeSpec(std::move(spec), now, options_.limits);
  if (!normalized.ok()) return normalized.status();
  Campaign c;
  c.spec = *std::move(normalized);
  if (c.spec.kind != CampaignKind::kCommand) {
    absl::StatusOr<Artifact> a = GetArtifact(c.spec.artifact_id);
    if (!a.ok()) return a.status();
    if (!Compatible(a->kind, c.spec.kind)) return ArtifactIncompatible(a->kind, c.spec.kind);
    c.target_version = a->version;
    c.target_models = a->models;
  }
  absl::StatusOr<std::vector<TargetDevice>> targets = directory_.Resolve(c.spec.targets);
  if (!targets.ok()) return targets.status();
  if (targets->empty() && !c.spec.targets.include_new) return NoTargets();
  if (static_cast<int>(targets->size()) > options_.max_resolved_targets) {
    return TooManyTargets(options_.max_resolved_targets);
  }
  c.id = ids_('c');
  c.display_name = display_name.empty() ? c.id : std::move(display_name);
  c.created_by = std::move(operator_id);
  c.state = CampaignState::kScheduled;
  c.create_time = now;
  c.start_time = *c.spec.start_time;
  return campaigns_.CreateCampaign(c, *targets);
}

absl::StatusOr<Campaign> TaskManager::GetCampaign(std::string_view id) {
  absl::StatusOr<std::optional<Campaign>> c = campaigns_.GetCampaign(id);
  if (!c.ok()) return c.status();
  if (!c->has_value()) return CampaignNotFound(id);
  return **c;
}

absl::StatusOr<Page<Campaign>> TaskManager::ListCampaigns(std::optional<CampaignState> state,
                                                          const Cursor& after, int limit) {
  return campaigns_.ListCampaigns(state, after, limit);
}

absl::StatusOr<Campaign> TaskManager::Pause(std::string_view id, std::string_view operator_id) {
  const absl::Time now = clock_.Now();
  return campaigns_.UpdateCampaign(id, now, [&](Campaign& c) -> absl::StatusOr<std::optional<Event>> {
    if (c.state == CampaignState::kPaused) return std::nullopt;
    if (c.state != CampaignState::kScheduled && c.state != CampaignState::kRunning) {
      return InvalidCampaignTransition(c.state, "pause");
    }
    c.state = CampaignState::kPaused;
    c.paused_by_abort = false;
    c.state_reason = absl::StrCat("paused by ", std::string(operator_id));
    return CampaignEvent(c, now, c.state_reason);
  });
}

absl::StatusOr<Campaign> TaskManager::Resume(std::string_view id, std::string_view operator_id) {
  const absl::Time now = clock_.Now();
  // The baselines are read before the lock; a device finishing in between only makes the next
  // evaluation count it once more, which errs on the safe side.
  absl::StatusOr<Campaign> before = GetCampaign(id);
  if (!before.ok()) return before.status();
  const ExecutionCounts counts = before->counts;
  return campaigns_.UpdateCampaign(id, now, [&](Campaign& c) -> absl::StatusOr<std::optional<Event>> {
    if (c.state == CampaignState::kRunning || c.state == CampaignState::kScheduled) return std::nullopt;
    if (c.state != CampaignState::kPaused) return InvalidCampaignTransition(c.state, "resume");
    c.state = now < c.start_time ? CampaignState::kScheduled : CampaignState::kRunning;
    if (c.paused_by_abort) {
      // Judge what happens from now on: a fresh batch and overall counts from here.
      c.cursor.batch += 1;
      c.cursor.sent = 0;
      c.cursor.started_at = absl::InfinitePast();
    }
    c.abort_base_finished = counts.finished();
    c.abort_base_failures = counts.failures();
    c.paused_by_abort = false;
    c.state_reason.clear();
    return CampaignEvent(c, now, absl::StrCat("resumed by ", std::string(operator_id)));
  });
}

absl::StatusOr<Campaign> TaskManager::Cancel(std::string_view id, std::string_view operator_id,
                                             std::string_view reason) {
  const absl::Time now = clock_.Now();
  return campaigns_.UpdateCampaign(id, now, [&](Campaign& c) -> absl::StatusOr<std::optional<Event>> {
    if (c.state == CampaignState::kCanceled) return std::nullopt;
    if (c.state == CampaignState::kCompleted) return InvalidCampaignTransition(c.state, "cancel");
    c.state = CampaignState::kCanceled;
    c.paused_by_abort = false;
    c.state_reason = absl::StrCat("canceled by ", std::string(operator_id),
                                  reason.empty() ? "" : ": ", std::string(reason));
    c.end_time = now;
    return CampaignEvent(c, now, c.state_reason);
  });
}

absl::StatusOr<Page<Execution>> TaskManager::ListExecutions(std::string_view campaign_id,
                                                            std::optional<ExecState> state,
                                                            std::string_view after_device,
                                                            int limit) {
  absl::StatusOr<Campaign> c = GetCampaign(campaign_id);
  if (!c.ok()) return c.status();
  return campaigns_.ListExecutions(campaign_id, state, after_device, limit);
}

absl::StatusOr<Page<BatchProgress>> TaskManager::ListBatches(std::string_view campaign_id,
                                                             int after_batch, int limit) {
  absl::StatusOr<std::optional<Campaign>> c = campaigns_.GetCampaign(campaign_id);
  if (!c.ok()) return c.status();
  if (!c->has_value()) return CampaignNotFound(campaign_id);
  return campaigns_.ListBatches(campaign_id, after_batch, limit);
}

absl::StatusOr<Page<Execution>> TaskManager::ListDeviceExecutions(std::string_view device_id,
                                                                  const Cursor& after, int limit) {
  if (absl::Status st = ids::ValidateDeviceId(device_id); !st.ok()) return st;
  return campaigns_.ListDeviceExecutions(device_id, after, limit);
}

absl::StatusOr<Page<Event>> TaskManager::Timeline(std::string_view campaign_id,
                                                  std::string_view device_id, int64_t after_seq,
                                                  int limit) {
  if (campaign_id.empty() && device_id.empty()) {
    return status::InvalidField("campaign", "set campaign and/or device_id");
  }
  if (!campaign_id.empty()) {
    absl::StatusOr<Campaign> c = GetCampaign(campaign_id);
    if (!c.ok()) return c.status();
  }
  return campaigns_.Timeline(campaign_id, device_id, after_seq, limit);
}

}  // namespace fleet::task
