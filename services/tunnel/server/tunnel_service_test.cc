#include "services/tunnel/server/tunnel_service.h"

#include <grpcpp/client_context.h>

#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/memory_store.h"

namespace fleet::tunnel {
namespace {

class TunnelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FrpServer s;
    s.name = "frp1";
    s.public_address = "frp1.example.com";
    s.token = "t";
    s.port_min = 40000;
    s.port_max = 40002;
    ASSERT_TRUE(store_.SyncPorts({s}).ok());
    broker_ = std::make_unique<TunnelBroker>(BrokerOptions(), std::vector<FrpServer>{s}, store_, store_,
                                             clock_, nullptr);
    service_ = std::make_unique<TunnelServiceImpl>(*broker_);
    auto server = grpcx::Server::Start({}, {service_.get()}, std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::TunnelService::NewStub(grpcx::Dial("127.0.0.1:" + std::to_string(server_->port())));
  }

  absl::StatusOr<v1::Session> Open(const std::string& device, const std::string& op = "alice") {
    v1::OpenTunnelRequest req;
    req.set_device_id(device);
    req.set_operator_id(op);
    req.mutable_ttl()->set_seconds(600);
    grpc::ClientContext ctx;
    v1::Session resp;
    grpc::Status st = stub_->OpenTunnel(&ctx, req, &resp);
    if (!st.ok()) return status::FromGrpc(st);
    return resp;
  }

  FakeClock clock_;
  MemoryStore store_;
  std::unique_ptr<TunnelBroker> broker_;
  std::unique_ptr<TunnelServiceImpl> service_;
  std::unique_ptr<grpcx::Server> server_;
  std::unique_ptr<v1::TunnelService::Stub> stub_;
};

TEST_F(TunnelServiceTest, OpenTellsTheOperatorHowToConnect) {
  auto s = Open("dev-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name().rfind("tunnels/", 0), 0u);
  EXPECT_EQ(s->device_id(), "dev-1");
  EXPECT_EQ(s->operator_id(), "alice");
  EXPECT_EQ(s->state(), v1::REQUESTED);
  EXPECT_EQ(s->public_address(), "frp1.example.com");
  ASSERT_EQ(s->services_size(), 3);
  EXPECT_EQ(s->services(0).name(), "ssh");
  EXPECT_EQ(s->services(0).local_port(), 22);
  EXPECT_EQ(s->services(0).remote_port(), 40000);
  EXPECT_EQ(s->ssh_command(), "ssh -p 40000 root@frp1.example.com");
  EXPECT_EQ(s->expire_time().seconds() - s->create_time().seconds(), 600);
  EXPECT_FALSE(s->has_close_time());
}

TEST_F(TunnelServiceTest, ErrorsCarryTheirReason) {
  ASSERT_TRUE(Open("dev-1").ok());
  auto full = Open("dev-2", "bob");
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status::Reason(full.status()), "TUNNEL_PORTS_EXHAUSTED");

  v1::GetTunnelRequest get;
  get.set_name("tunnels/abc");
  grpc::ClientContext ctx;
  v1::Session resp;
  absl::Status st = status::FromGrpc(stub_->GetTunnel(&ctx, get, &resp));
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(st), "TUNNEL_NOT_FOUND");
}

TEST_F(TunnelServiceTest, ExtendCloseGetAndList) {
  auto s = Open("dev-1");
  ASSERT_TRUE(s.ok());
  {
    v1::ExtendTunnelRequest req;
    req.set_name(s->name());
    req.set_operator_id("alice");
    req.mutable_extension()->set_seconds(300);
    grpc::ClientContext ctx;
    v1::Session resp;
    ASSERT_TRUE(stub_->ExtendTunnel(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.expire_time().seconds() - resp.create_time().seconds(), 900);
  }
  {
    v1::CloseTunnelRequest req;
    req.set_name(s->name());
    req.set_operator_id("alice");
    req.set_reason("done");
    grpc::ClientContext ctx;
    v1::Session resp;
    ASSERT_TRUE(stub_->CloseTunnel(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.state(), v1::CLOSING);
    EXPECT_EQ(resp.close_reason(), "done");
  }
  {
    v1::ListTunnelsRequest req;
    req.set_state(v1::CLOSING);
    req.set_device_id("dev-1");
    grpc::ClientContext ctx;
    v1::ListTunnelsResponse resp;
    ASSERT_TRUE(stub_->ListTunnels(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.sessions_size(), 1);
    EXPECT_EQ(resp.sessions(0).name(), s->name());
    EXPECT_TRUE(resp.next_page_token().empty());
  }
  {
    v1::ListTunnelsRequest req;
    req.set_state(static_cast<v1::State>(42));
    grpc::ClientContext ctx;
    v1::ListTunnelsResponse resp;
    absl::Status st = status::FromGrpc(stub_->ListTunnels(&ctx, req, &resp));
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status::Metadata(st)["field"], "state");
  }
}

}  // namespace
}  // namespace fleet::tunnel
