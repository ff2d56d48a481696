#include "services/device-config/server/convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/status.h"
#include "services/device-config/domain/validation.h"

namespace fleet::devcfg {
namespace {

using google::protobuf::util::TimeUtil;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

void ToProto(const Device& in, config::v1::Device* out) {
  out->set_name(DeviceName(in.id));
  out->set_id(in.id);
  out->set_display_name(in.display_name);
  out->set_model(in.model);
  out->set_hardware_revision(in.hardware_revision);
  out->mutable_labels()->insert(in.labels.begin(), in.labels.end());
  out->set_group(in.group);
  SetTime(in.create_time, out->mutable_create_time());
  SetTime(in.update_time, out->mutable_update_time());
  out->set_etag(EtagOf(in.revision));
}

absl::StatusOr<Device> FromProto(const config::v1::Device& in, std::string_view field) {
  Device d;
  const std::string prefix(field);
  if (!in.name().empty()) {
    absl::StatusOr<std::string> id = ParseDeviceName(in.name(), prefix + ".name");
    if (!id.ok()) return id.status();
    if (!in.id().empty() && in.id() != *id) {
      return status::InvalidField(
          prefix + ".id", absl::StrCat(prefix, ".id \"", Printable(in.id()), "\" contradicts ", prefix,
                                       ".name \"", Printable(in.name()), "\""));
    }
    d.id = std::move(*id);
  } else {
    d.id = in.id();
  }
  d.display_name = in.display_name();
  d.model = in.model();
  d.hardware_revision = in.hardware_revision();
  d.labels.insert(in.labels().begin(), in.labels().end());
  d.group = in.group();
  return d;
}

}  // namespace fleet::devcfg
