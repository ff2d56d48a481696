#include "services/device-config/server/device_config_service.h"

#include <string>
#include <vector>

#include "libs/status/grpc.h"
#include "services/device-config/server/config_convert.h"

namespace fleet::devcfg {
namespace pb = config::v1;
using status::ToGrpc;

namespace {

template <typename T>
std::optional<int64_t> Optional(bool has, T value) {
  return has ? std::optional<int64_t>(value) : std::nullopt;
}

}  // namespace

grpc::Status DeviceConfigGrpcService::GetDeviceConfig(grpc::ServerContext*, const pb::GetDeviceConfigRequest* req,
                                                      pb::DeviceConfig* resp) {
  absl::StatusOr<DeviceConfigView> v = configs_.Get(req->device());
  if (!v.ok()) return ToGrpc(v.status());
  ToProto(*v, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::BatchGetDeviceConfigs(grpc::ServerContext*,
                                                            const pb::BatchGetDeviceConfigsRequest* req,
                                                            pb::BatchGetDeviceConfigsResponse* resp) {
  const std::vector<std::string> devices(req->devices().begin(), req->devices().end());
  absl::StatusOr<ConfigService::Batch> batch = configs_.BatchGet(devices);
  if (!batch.ok()) return ToGrpc(batch.status());
  for (const DeviceConfigView& v : batch->views) ToProto(v, resp->add_configs());
  for (const std::string& m : batch->missing) resp->add_missing(m);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::SetDesiredConfig(grpc::ServerContext*, const pb::SetDesiredConfigRequest* req,
                                                       pb::ConfigVersion* resp) {
  absl::StatusOr<ConfigVersion> v = configs_.SetDesired(
      {.device = req->device(),
       .body = req->body_json(),
       .expected_version = Optional(req->has_expected_version(), req->expected_version()),
       .author = req->author(),
       .comment = req->comment()});
  if (!v.ok()) return ToGrpc(v.status());
  ToProto(*v, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::RollbackConfig(grpc::ServerContext*, const pb::RollbackConfigRequest* req,
                                                     pb::ConfigVersion* resp) {
  absl::StatusOr<ConfigVersion> v =
      configs_.Rollback(req->device(), req->version(), Optional(req->has_expected_version(), req->expected_version()),
                        req->author(), req->comment());
  if (!v.ok()) return ToGrpc(v.status());
  ToProto(*v, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::GetConfigVersion(grpc::ServerContext*, const pb::GetConfigVersionRequest* req,
                                                       pb::ConfigVersion* resp) {
  absl::StatusOr<ConfigVersion> v = configs_.GetVersion(req->device(), req->version());
  if (!v.ok()) return ToGrpc(v.status());
  ToProto(*v, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::ListConfigVersions(grpc::ServerContext*,
                                                         const pb::ListConfigVersionsRequest* req,
                                                         pb::ListConfigVersionsResponse* resp) {
  absl::StatusOr<int64_t> before = DecodeVersionPageToken(req->page_token());
  if (!before.ok()) return ToGrpc(before.status());
  absl::StatusOr<ConfigStore::VersionPage> page = configs_.ListVersions(req->device(), *before, req->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  for (const ConfigVersion& v : page->items) ToProto(v, resp->add_versions());
  if (page->more && !page->items.empty()) {
    resp->set_next_page_token(EncodeVersionPageToken(page->items.back().version));
  }
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::DiffConfigVersions(grpc::ServerContext*,
                                                         const pb::DiffConfigVersionsRequest* req,
                                                         pb::DiffConfigVersionsResponse* resp) {
  absl::StatusOr<std::vector<DiffEntry>> diff = configs_.Diff(req->device(), req->from_version(), req->to_version());
  if (!diff.ok()) return ToGrpc(diff.status());
  for (const DiffEntry& e : *diff) ToProto(e, resp->add_entries());
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::PutConfigTemplate(grpc::ServerContext*, const pb::PutConfigTemplateRequest* req,
                                                        pb::ConfigTemplate* resp) {
  absl::StatusOr<ConfigTemplate> t = configs_.PutTemplate(
      TemplateNameFromResource(req->template_().name()), req->template_().body_json(),
      Optional(req->has_expected_revision(), req->expected_revision()), req->author());
  if (!t.ok()) return ToGrpc(t.status());
  ToProto(*t, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::GetConfigTemplate(grpc::ServerContext*, const pb::GetConfigTemplateRequest* req,
                                                        pb::ConfigTemplate* resp) {
  absl::StatusOr<ConfigTemplate> t = configs_.GetTemplate(TemplateNameFromResource(req->name()));
  if (!t.ok()) return ToGrpc(t.status());
  ToProto(*t, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceConfigGrpcService::DeleteConfigTemplate(grpc::ServerContext*,
                                                           const pb::DeleteConfigTemplateRequest* req,
                                                           pb::DeleteConfigTemplateResponse*) {
  return ToGrpc(configs_.DeleteTemplate(TemplateNameFromResource(req->name()),
                                        Optional(req->has_expected_revision(), req->expected_revision())));
}

grpc::Status DeviceConfigGrpcService::ListConfigTemplates(grpc::ServerContext*, const pb::ListConfigTemplatesRequest*,
                                                          pb::ListConfigTemplatesResponse* resp) {
  absl::StatusOr<std::vector<ConfigTemplate>> all = configs_.ListTemplates();
  if (!all.ok()) return ToGrpc(all.status());
  for (const ConfigTemplate& t : *all) ToProto(t, resp->add_templates());
  return grpc::Status::OK;
}

}  // namespace fleet::devcfg
