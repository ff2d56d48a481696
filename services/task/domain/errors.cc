#include "services/task/domain/errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/status/status.h"

namespace fleet::task {

using status::MakeError;

absl::Status ArtifactNotFound(std::string_view id) {
  return MakeError(absl::StatusCode::kNotFound, "TASK_ARTIFACT_NOT_FOUND",
                   absl::StrCat("artifact \"", std::string(id), "\" not found"),
                   {{"artifact", std::string(id)}});
}

absl::Status ArtifactExists(std::string_view existing_id) {
  return MakeError(absl::StatusCode::kAlreadyExists, "TASK_ARTIFACT_EXISTS",
                   absl::StrCat("an artifact with this kind, name and version exists: ",
                                std::string(existing_id)),
                   {{"artifact", std::string(existing_id)}});
}

absl::Status ArtifactInUse(std::string_view campaign_id) {
  return MakeError(absl::StatusCode::kFailedPrecondition, "TASK_ARTIFACT_IN_USE",
                   absl::StrCat("artifact is used by campaign ", std::string(campaign_id),
                                ", which has not ended"),
                   {{"campaign", std::string(campaign_id)}});
}

absl::Status ArtifactIncompatible(ArtifactKind artifact, CampaignKind campaign) {
  return MakeError(absl::StatusCode::kFailedPrecondition, "TASK_ARTIFACT_INCOMPATIBLE",
                   absl::StrCat("a ", std::string(Name(campaign)), " campaign cannot use a ",
                                std::string(Name(artifact)), " artifact"),
                   {{"artifact_kind", std::string(Name(artifact))},
                    {"kind", std::string(Name(campaign))}});
}

absl::Status CampaignNotFound(std::string_view id) {
  return MakeError(absl::StatusCode::kNotFound, "TASK_CAMPAIGN_NOT_FOUND",
                   absl::StrCat("campaign \"", std::string(id), "\" not found"),
                   {{"campaign", std::string(id)}});
}

absl::Status InvalidCampaignTransition(CampaignState from, std::string_view to) {
  return MakeError(absl::StatusCode::kFailedPrecondition, "TASK_INVALID_STATE_TRANSITION",
                   absl::StrCat("cannot ", std::string(to), " a ", std::string(Name(from)),
                                " campaign"),
                   {{"from", std::string(Name(from))}, {"to", std::string(to)}});
}

absl::Status NoTargets() {
  return MakeError(absl::StatusCode::kFailedPrecondition, "TASK_NO_TARGETS",
                   "the targets resolve to no device");
}

absl::Status TooManyTargets(int max) {
  return MakeError(absl::StatusCode::kInvalidArgument, "TASK_TOO_MANY_TARGETS",
                   absl::StrCat("more than ", max, " target devices"),
                   {{"max", absl::StrCat(max)}});
}

absl::Status InvalidExecutionTransition(ExecState from, ExecState to) {
  return MakeError(absl::StatusCode::kFailedPrecondition, "TASK_INVALID_EXECUTION_TRANSITION",
                   absl::StrCat("execution cannot go from ", std::string(Name(from)), " to ",
                                std::string(Name(to))),
                   {{"from", std::string(Name(from))}, {"to", std::string(Name(to))}});
}

}  // namespace fleet::task
