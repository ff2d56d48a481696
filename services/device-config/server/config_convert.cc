#include "services/device-config/server/config_convert.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/device-config/domain/device.h"

namespace fleet::devcfg {
namespace {

constexpr char kTemplatePrefix[] = "configTemplates/";
constexpr char kTokenPrefix[] = "cv1.";

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  if (t == absl::InfinitePast()) return;
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rem * 1000));
}

}  // namespace

void ToProto(const ConfigVersion& in, config::v1::ConfigVersion* out) {
  out->set_name(absl::StrCat(DeviceName(in.device_id), "/config/versions/", in.version));
  out->set_version(in.version);
  out->set_body_json(in.body);
  out->set_author(in.author);
  out->set_comment(in.comment);
  SetTime(in.create_time, out->mutable_create_time());
}

void ToProto(const DeviceConfigView& in, config::v1::DeviceConfig* out) {
  out->set_name(absl::StrCat(DeviceName(in.state.desired.device_id), "/config"));
  ToProto(in.state.desired, out->mutable_desired());
  out->set_reported_version(in.state.reported_version);
  out->set_reported_status(in.state.reported_status);
  out->set_reported_hash(in.state.reported_hash);
  if (in.state.reported_time != absl::InfinitePast()) SetTime(in.state.reported_time, out->mutable_report_time());
  out->set_effective_json(in.effective);
  out->set_effective_hash(in.effective_hash);
  for (const std::string& t : in.templates) out->add_templates(t);
  out->set_in_sync(in.in_sync);
  switch (in.sync_state) {
    case SyncState::kNoConfig: out->set_sync_state(config::v1::NO_CONFIG); break;
    case SyncState::kInSync: out->set_sync_state(config::v1::IN_SYNC); break;
    case SyncState::kPending: out->set_sync_state(config::v1::PENDING); break;
    case SyncState::kFailed: out->set_sync_state(config::v1::FAILED); break;
  }
  out->set_failed_version(in.state.failed_version);
  out->set_failed_reason(in.state.failed_reason);
  if (in.state.failed_time != absl::InfinitePast()) SetTime(in.state.failed_time, out->mutable_failure_time());
}

void ToProto(const ConfigTemplate& in, config::v1::ConfigTemplate* out) {
  out->set_name(absl::StrCat(kTemplatePrefix, in.name));
  out->set_body_json(in.body);
  out->set_author(in.author);
  out->set_revision(in.revision);
  SetTime(in.update_time, out->mutable_update_time());
}

void ToProto(const DiffEntry& in, config::v1::ConfigDiffEntry* out) {
  switch (in.op) {
    case DiffEntry::Op::kAdded:
      out->set_op(config::v1::ConfigDiffEntry::ADDED);
      break;
    case DiffEntry::Op::kRemoved:
      out->set_op(config::v1::ConfigDiffEntry::REMOVED);
      break;
    case DiffEntry::Op::kChanged:
      out->set_op(config::v1::ConfigDiffEntry::CHANGED);
      break;
  }
  out->set_path(in.path);
  out->set_old_json(in.old_value);
  out->set_new_json(in.new_value);
}

std::string TemplateNameFromResource(std::string_view name) {
  const std::string_view prefix(kTemplatePrefix);
  if (name.substr(0, prefix.size()) == prefix) return std::string(name.substr(prefix.size()));
  return std::string(name);
}

std::string EncodeVersionPageToken(int64_t before) { return absl::StrCat(kTokenPrefix, before); }

absl::StatusOr<int64_t> DecodeVersionPageToken(std::string_view token) {
  if (token.empty()) return 0;
  const std::string_view prefix(kTokenPrefix);
  int64_t before = 0;
  if (token.substr(0, prefix.size()) != prefix ||
      !absl::SimpleAtoi(std::string(token.substr(prefix.size())), &before) || before < 1) {
    return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                             "page_token is not a token returned by ListConfigVersions", {{"field", "page_token"}});
  }
  return before;
}

}  // namespace fleet::devcfg
