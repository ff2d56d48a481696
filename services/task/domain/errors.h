#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "services/task/domain/model.h"

// Domain errors shared by the use cases and every store, so all of them answer the same code and
// reason (fleet.task.v1.TaskErrorReason). Bad fields use fleet::status::InvalidField.
namespace fleet::task {

// NOT_FOUND / TASK_ARTIFACT_NOT_FOUND, metadata "artifact".
absl::Status ArtifactNotFound(std::string_view id);
// ALREADY_EXISTS / TASK_ARTIFACT_EXISTS, metadata "artifact" (the existing id).
absl::Status ArtifactExists(std::string_view existing_id);
// FAILED_PRECONDITION / TASK_ARTIFACT_IN_USE, metadata "campaign".
absl::Status ArtifactInUse(std::string_view campaign_id);
// FAILED_PRECONDITION / TASK_ARTIFACT_INCOMPATIBLE, metadata "artifact_kind", "kind".
absl::Status ArtifactIncompatible(ArtifactKind artifact, CampaignKind campaign);
// NOT_FOUND / TASK_CAMPAIGN_NOT_FOUND, metadata "campaign".
absl::Status CampaignNotFound(std::string_view id);
// FAILED_PRECONDITION / TASK_INVALID_STATE_TRANSITION, metadata "from", "to".
absl::Status InvalidCampaignTransition(CampaignState from, std::string_view to);
// FAILED_PRECONDITION / TASK_NO_TARGETS.
absl::Status NoTargets();
// INVALID_ARGUMENT / TASK_TOO_MANY_TARGETS, metadata "max".
absl::Status TooManyTargets(int max);
// FAILED_PRECONDITION / TASK_INVALID_EXECUTION_TRANSITION, metadata "from", "to".
absl::Status InvalidExecutionTransition(ExecState from, ExecState to);

}  // namespace fleet::task
