// Black-box smoke test of the device-config binary against a real PostgreSQL: it migrates,
// serves DeviceRegistry, drains on SIGTERM with exit code 0, and keeps data across restarts.
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/testing/process.h"
#include "libs/testing/servers.h"

namespace fleet::devcfg {
namespace {

namespace pb = config::v1;

class BinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = testing::PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
  }

  // Starts the binary and waits until it answers GetDevice (any answer but UNAVAILABLE).
  std::unique_ptr<testing::Process> Start(int grpc_port, int admin_port) {
    auto p = testing::Process::Spawn(
        {"services/device-config/device-config", absl::StrCat("--grpc_address=127.0.0.1:", grpc_port),
         absl::StrCat("--admin_port=", admin_port)},
        {{"FLEET_PG_URL", pg_->url()}});
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return nullptr;
    absl::Status ready = testing::WaitFor(
        [&] {
          // A fresh channel per probe: a refused first connect would otherwise back off.
          stub_ = pb::DeviceRegistry::NewStub(grpcx::Dial(absl::StrCat("127.0.0.1:", grpc_port)));
          pb::GetDeviceRequest req;
          req.set_name("devices/probe");
          pb::Device d;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
          return stub_->GetDevice(&ctx, req, &d).error_code() == grpc::StatusCode::NOT_FOUND;
        },
        absl::Seconds(20), absl::Milliseconds(100));
    EXPECT_TRUE(ready.ok()) << (*p)->LogTail(4000);
    return std::move(*p);
  }

  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<pb::DeviceRegistry::Stub> stub_;
};

TEST_F(BinaryTest, ServesMigratesDrainsAndKeepsData) {
  const int grpc_port = testing::FreePort();
  const int admin_port = testing::FreePort();
  auto proc = Start(grpc_port, admin_port);
  ASSERT_NE(proc, nullptr);
  {
    pb::CreateDeviceRequest req;
    req.mutable_device()->set_id("gw-1");
    (*req.mutable_device()->mutable_labels())["site"] = "sh-01";
    pb::Device d;
    grpc::ClientContext ctx;
    grpc::Status st = stub_->CreateDevice(&ctx, req, &d);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(d.name(), "devices/gw-1");
  }
  EXPECT_TRUE(proc->Terminate(absl::Seconds(15)).ok()) << proc->LogTail(4000);

  // Restart: migrations are a no-op, the device is still there.
  proc = Start(grpc_port, admin_port);
  ASSERT_NE(proc, nullptr);
  pb::ListDevicesRequest list;
  list.set_filter("labels.site = \"sh-01\"");
  pb::ListDevicesResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->ListDevices(&ctx, list, &resp).ok());
  ASSERT_EQ(resp.devices_size(), 1);
  EXPECT_EQ(resp.devices(0).id(), "gw-1");
  EXPECT_TRUE(proc->Terminate(absl::Seconds(15)).ok()) << proc->LogTail(4000);
}

TEST(BinaryConfigTest, BadConfigurationExitsWithCode2) {
  auto p = testing::Process::Spawn({"services/device-config/device-config", "--pg_pool=0"},
                                   {{"FLEET_PG_URL", "postgresql://postgres@127.0.0.1:1/x"}});
  ASSERT_TRUE(p.ok()) << p.status();
  auto code = (*p)->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 2) << (*p)->LogTail(2000);
}

}  // namespace
}  // namespace fleet::devcfg
