#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fleet/task/v1/task.pb.h"
#include "services/task/domain/model.h"
#include "services/task/domain/ports.h"

// proto <-> domain conversions of the gRPC API. Pure, thread-safe.
namespace fleet::task {

namespace v1 = ::fleet::task::v1;

v1::ExecutionState ToProto(ExecState s);
std::optional<ExecState> FromProto(v1::ExecutionState s);
v1::CampaignState ToProto(CampaignState s);
std::optional<CampaignState> FromProto(v1::CampaignState s);

void ToProto(const Artifact& a, v1::Artifact* out);
// INVALID_FIELD for an unspecified kind.
absl::StatusOr<Artifact> FromProto(const v1::Artifact& a);
// INVALID_FIELD for an unspecified kind or command args that are not a JSON object. Durations
// left unset are zero (= defaults, see NormalizeSpec).
absl::StatusOr<CampaignSpec> FromProto(const v1::CampaignSpec& s);
void ToProto(const CampaignSpec& s, v1::CampaignSpec* out);
void ToProto(const Campaign& c, std::optional<absl::Time> eta, v1::Campaign* out);
void ToProto(const ExecutionCounts& c, v1::ExecutionCounts* out);
void ToProto(const BatchProgress& b, v1::CampaignBatch* out);
void ToProto(const Execution& e, v1::Execution* out);
void ToProto(const Event& e, v1::TimelineEntry* out);

// "prefix/{id}" or a bare id -> id; INVALID_FIELD naming `field` for an empty id or a wrong prefix.
absl::StatusOr<std::string> IdFromName(std::string_view name, std::string_view prefix,
                                       std::string_view field);

// Page tokens (opaque, web-safe base64). Decoders return INVALID_FIELD "page_token".
std::string CursorToken(const Cursor& c);
absl::StatusOr<Cursor> CursorFromToken(std::string_view token);
std::string StringToken(std::string_view s);
absl::StatusOr<std::string> StringFromToken(std::string_view token);
std::string SeqToken(int64_t seq);
// Resumes after batch `batch`; the empty token decodes to -1 (from the first batch).
std::string BatchToken(int batch);
absl::StatusOr<int> BatchFromToken(std::string_view token);
absl::StatusOr<int64_t> SeqFromToken(std::string_view token);

// 0 -> default, above max -> max, negative -> INVALID_FIELD "page_size".
absl::StatusOr<int> PageSize(int requested, int default_size, int max_size);

}  // namespace fleet::task
