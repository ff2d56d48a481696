#include "services/device-config/server/device_registry_service.h"

#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/device-config/server/convert.h"

namespace fleet::devcfg {

using status::ToGrpc;

grpc::Status DeviceRegistryService::CreateDevice(grpc::ServerContext*,
                                                 const config::v1::CreateDeviceRequest* req,
                                                 config::v1::Device* resp) {
  absl::StatusOr<Device> in = FromProto(req->device());
  if (!in.ok()) return ToGrpc(in.status());
  absl::StatusOr<Device> d = registry_.Create(*in);
  if (!d.ok()) return ToGrpc(d.status());
  ToProto(*d, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceRegistryService::GetDevice(grpc::ServerContext*, const config::v1::GetDeviceRequest* req,
                                              config::v1::Device* resp) {
  absl::StatusOr<Device> d = registry_.Get(req->name());
  if (!d.ok()) return ToGrpc(d.status());
  ToProto(*d, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceRegistryService::UpdateDevice(grpc::ServerContext*,
                                                 const config::v1::UpdateDeviceRequest* req,
                                                 config::v1::Device* resp) {
  absl::StatusOr<Device> patch = FromProto(req->device());
  if (!patch.ok()) return ToGrpc(patch.status());
  std::vector<std::string> mask(req->update_mask().paths().begin(), req->update_mask().paths().end());
  absl::StatusOr<Device> d = registry_.Update(*patch, mask, req->device().etag());
  if (!d.ok()) return ToGrpc(d.status());
  ToProto(*d, resp);
  return grpc::Status::OK;
}

grpc::Status DeviceRegistryService::DeleteDevice(grpc::ServerContext*,
                                                 const config::v1::DeleteDeviceRequest* req,
                                                 config::v1::DeleteDeviceResponse*) {
  return ToGrpc(registry_.Delete(req->name(), req->etag()));
}

grpc::Status DeviceRegistryService::ListDevices(grpc::ServerContext*,
                                                const config::v1::ListDevicesRequest* req,
                                                config::v1::ListDevicesResponse* resp) {
  absl::StatusOr<ListDevicesResponse> r = registry_.List({.page_size = req->page_size(),
                                                          .page_token = req->page_token(),
                                                          .filter = req->filter(),
                                                          .order_by = req->order_by()});
  if (!r.ok()) return ToGrpc(r.status());
  for (const Device& d : r->devices) ToProto(d, resp->add_devices());
  resp->set_next_page_token(r->next_page_token);
  return grpc::Status::OK;
}

grpc::Status DeviceRegistryService::BatchGetDevices(grpc::ServerContext*,
                                                    const config::v1::BatchGetDevicesRequest* req,
                                                    config::v1::BatchGetDevicesResponse* resp) {
  std::vector<std::string> names(req->names().begin(), req->names().end());
  absl::StatusOr<BatchGetDevicesResponse> r = registry_.BatchGet(names);
  if (!r.ok()) return ToGrpc(r.status());
  for (const Device& d : r->devices) ToProto(d, resp->add_devices());
  for (const std::string& m : r->missing) resp->add_missing(m);
  return grpc::Status::OK;
}

grpc::Status DeviceRegistryService::ImportDevices(grpc::ServerContext*,
                                                  const config::v1::ImportDevicesRequest* req,
                                                  config::v1::ImportDevicesResponse* resp) {
  ImportFormat format;
  switch (req->format()) {
    case config::v1::CSV:
      format = ImportFormat::kCsv;
      break;
    case config::v1::JSON_LINES:
      format = ImportFormat::kJsonLines;
      break;
    default:
      return ToGrpc(status::InvalidField("format", "format must be CSV or JSON_LINES"));
  }
  absl::StatusOr<ImportResult> r = registry_.Import(format, req->data(), req->validate_only());
  if (!r.ok()) return ToGrpc(r.status());
  resp->set_created_count(r->created);
  resp->set_row_count(r->rows);
  return grpc::Status::OK;
}

}  // namespace fleet::devcfg
