#include "services/device-config/server/device_registry_service.h"

#include <grpcpp/client_context.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "libs/clock/fake_clock.h"
#include "services/device-config/domain/memory_repo.h"

namespace fleet::devcfg {
namespace {

namespace pb = config::v1;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = grpcx::Server::Start({}, {&service_}, std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = pb::DeviceRegistry::NewStub(grpcx::Dial("127.0.0.1:" + std::to_string(server_->port())));
  }

  // Runs one unary call and returns its status as absl::Status (reason and metadata restored).
  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (pb::DeviceRegistry::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return status::FromGrpc((stub_.get()->*method)(&ctx, req, resp));
  }

  pb::Device Create(const std::string& id, const std::string& site) {
    pb::CreateDeviceRequest req;
    req.mutable_device()->set_id(id);
    req.mutable_device()->set_model("gw-200");
    (*req.mutable_device()->mutable_labels())["site"] = site;
    pb::Device out;
    absl::Status st = Call(&pb::DeviceRegistry::Stub::CreateDevice, req, &out);
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  FakeClock clock_;
  MemoryDeviceRepo repo_;
  Registry registry_{repo_, clock_};
  DeviceRegistryService service_{registry_};
  std::unique_ptr<grpcx::Server> server_;
  std::unique_ptr<pb::DeviceRegistry::Stub> stub_;
};

TEST_F(ServiceTest, CrudWithEtagsOverGrpc) {
  pb::Device d = Create("gw-1", "sh-01");
  EXPECT_EQ(d.name(), "devices/gw-1");
  EXPECT_EQ(d.labels().at("site"), "sh-01");
  EXPECT_EQ(d.create_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_FALSE(d.etag().empty());

  pb::GetDeviceRequest get;
  get.set_name("devices/gw-1");
  pb::Device got;
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::GetDevice, get, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), d.SerializeAsString());

  pb::UpdateDeviceRequest upd;
  upd.mutable_device()->set_name("devices/gw-1");
  upd.mutable_device()->set_group("north");
  upd.mutable_device()->set_etag(d.etag());
  upd.mutable_update_mask()->add_paths("group");
  pb::Device updated;
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::UpdateDevice, upd, &updated).ok());
  EXPECT_EQ(updated.group(), "north");
  EXPECT_EQ(updated.model(), "gw-200");
  EXPECT_NE(updated.etag(), d.etag());

  absl::Status st = Call(&pb::DeviceRegistry::Stub::UpdateDevice, upd, &updated);  // stale etag
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(st), "DEVICE_ETAG_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["etag"], updated.etag());

  upd.mutable_device()->set_id("other");
  st = Call(&pb::DeviceRegistry::Stub::UpdateDevice, upd, &updated);
  EXPECT_EQ(status::Reason(st), "INVALID_FIELD");
  EXPECT_EQ(status::Metadata(st)["field"], "device.id");

  pb::DeleteDeviceRequest del;
  del.set_name("devices/gw-1");
  del.set_etag(d.etag());
  pb::DeleteDeviceResponse none;
  EXPECT_EQ(status::Reason(Call(&pb::DeviceRegistry::Stub::DeleteDevice, del, &none)),
            "DEVICE_ETAG_MISMATCH");
  del.set_etag(updated.etag());
  EXPECT_TRUE(Call(&pb::DeviceRegistry::Stub::DeleteDevice, del, &none).ok());
  st = Call(&pb::DeviceRegistry::Stub::GetDevice, get, &got);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(st), "DEVICE_NOT_FOUND");
}

TEST_F(ServiceTest, ListBatchGetAndFilterErrors) {
  Create("a", "sh-01");
  Create("b", "sh-02");
  Create("c", "sh-01");
  pb::ListDevicesRequest list;
  list.set_filter("labels.site = \"sh-01\"");
  list.set_page_size(1);
  pb::ListDevicesResponse page;
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::ListDevices, list, &page).ok());
  ASSERT_EQ(page.devices_size(), 1);
  EXPECT_EQ(page.devices(0).id(), "a");
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::ListDevices, list, &page).ok());
  EXPECT_EQ(page.devices(page.devices_size() - 1).id(), "c");

  list.set_filter("labels.site = ");
  absl::Status st = Call(&pb::DeviceRegistry::Stub::ListDevices, list, &page);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "INVALID_FILTER");
  EXPECT_EQ(status::Metadata(st)["position"], "14");

  pb::BatchGetDevicesRequest batch;
  batch.add_names("devices/c");
  batch.add_names("devices/zz");
  batch.add_names("a");
  pb::BatchGetDevicesResponse found;
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::BatchGetDevices, batch, &found).ok());
  ASSERT_EQ(found.devices_size(), 2);
  EXPECT_EQ(found.devices(0).id(), "c");
  EXPECT_THAT(found.missing(), testing::ElementsAre("devices/zz"));
}

TEST_F(ServiceTest, ImportReportsRowsAndWritesNothingOnError) {
  pb::ImportDevicesRequest req;
  req.set_format(pb::JSON_LINES);
  req.set_data("{\"id\":\"n1\"}\n{\"id\":\"bad id\"}\n");
  pb::ImportDevicesResponse resp;
  absl::Status st = Call(&pb::DeviceRegistry::Stub::ImportDevices, req, &resp);
  EXPECT_EQ(status::Reason(st), "IMPORT_ROWS_INVALID");
  EXPECT_THAT(status::Metadata(st)["row_errors"], testing::HasSubstr("\"row\":2,\"field\":\"id\""));
  EXPECT_EQ(repo_.size(), 0u);

  req.set_format(pb::CSV);
  req.set_data("id,labels.site\nn1,s\nn2,s\n");
  ASSERT_TRUE(Call(&pb::DeviceRegistry::Stub::ImportDevices, req, &resp).ok());
  EXPECT_EQ(resp.created_count(), 2);
  EXPECT_EQ(resp.row_count(), 2);
  EXPECT_EQ(repo_.size(), 2u);

  req.set_format(pb::IMPORT_FORMAT_UNSPECIFIED);
  st = Call(&pb::DeviceRegistry::Stub::ImportDevices, req, &resp);
  EXPECT_EQ(status::Metadata(st)["field"], "format");
}

TEST_F(ServiceTest, LargeImportReportFitsInTheTrailers) {
  pb::ImportDevicesRequest req;
  req.set_format(pb::CSV);
  std::string data = "id,display_name,model,hardware_revision,group,labels.site\n";
  for (int i = 0; i < 500; ++i) {
    data += "bad id " + std::to_string(i) + "," + std::string(300, 'x') + ",bad model,bad rev,Bad,bad\"\n";
  }
  req.set_data(data);
  pb::ImportDevicesResponse resp;
  absl::Status st = Call(&pb::DeviceRegistry::Stub::ImportDevices, req, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_EQ(status::Reason(st), "IMPORT_ROWS_INVALID") << st;
  EXPECT_EQ(status::Metadata(st)["invalid_rows"], "500");
  EXPECT_EQ(status::Metadata(st)["truncated"], "true");
}

TEST_F(ServiceTest, BackendOutageIsUnavailable) {
  repo_.FailWith(absl::UnavailableError("db down"));
  pb::GetDeviceRequest get;
  get.set_name("devices/x");
  pb::Device d;
  EXPECT_EQ(Call(&pb::DeviceRegistry::Stub::GetDevice, get, &d).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::devcfg
