#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/task/domain/model.h"

// Row <-> entity conversions of the PostgreSQL store (internal to storage/). Pure, thread-safe.
namespace fleet::task::pgcodec {

inline constexpr char kArtifactColumns[] =
    "id, display_name, kind, version, url, sha256, size_bytes, models, task_us(create_time)";
inline constexpr char kCampaignColumns[] =
    "id, display_name, created_by, spec, target_version, target_models, state, state_reason, "
    "paused_by_abort, batch, batch_sent, task_us(batch_started_at), abort_base_finished, "
    "abort_base_failures, task_us(create_time), task_us(start_time), task_us(end_time)";
inline constexpr char kExecutionColumns[] =
    "id, campaign_id, device_id, model, state, percent, attempt, batch, reason, target_version, "
    "request_id, task_us(state_time), task_us(create_time), task_us(deadline), task_us(not_before), "
    "task_us(sent_time)";
inline constexpr char kEventColumns[] =
    "seq, task_us(at), campaign_id, device_id, attempt, kind, state, percent, message";

// The spec as stored in task_campaigns.spec: JSON without targets.device_ids (the executions
// hold them). INTERNAL for text that is not such JSON.
std::string EncodeSpec(const CampaignSpec& spec);
absl::StatusOr<CampaignSpec> DecodeSpec(const std::string& json);

// JSON arrays for jsonb_to_recordset (bulk writes in one statement).
std::string ExecutionsJson(const std::vector<Execution>& executions);
std::string EventsJson(const std::vector<Event>& events);
std::string TargetsJson(const std::vector<TargetDevice>& targets);
// "{1,2,3}"
std::string BigintArray(const std::vector<int64_t>& values);
// A JSON array of strings.
std::string StringsJson(const std::vector<std::string>& values);

std::string Join(const std::vector<std::string>& models);  // comma-separated
std::vector<std::string> Split(const std::string& models);

// Unix microseconds parameter; nullptr-able form for infinite times (stored as NULL).
std::string Micros(absl::Time t);
std::optional<std::string> MicrosOrNull(absl::Time t);

absl::StatusOr<Artifact> ArtifactFrom(const pqxx::row& row);
// The spec is decoded by the caller (it caches specs by campaign id).
absl::StatusOr<Campaign> CampaignFrom(const pqxx::row& row, const CampaignSpec& spec);
absl::StatusOr<Execution> ExecutionFrom(const pqxx::row& row);
absl::StatusOr<Event> EventFrom(const pqxx::row& row);

std::string_view KindName(Event::Kind k);

}  // namespace fleet::task::pgcodec
