// The gRPC backends against in-process services: metadata, deadlines and error details survive.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "bff/config_backend.h"
#include "bff/grpc_call.h"
#include "bff/presence_backend.h"
#include "bff/registry_backend.h"
#include "bff/tunnel_backend.h"
#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"

namespace fleet::bff {
namespace {

// What the services saw of the last call.
struct Seen {
  absl::Mutex mu;
  std::string request_id;
  absl::Time deadline;
  std::string name;
};

void Record(Seen& seen, grpc::ServerContext* ctx, const std::string& name) {
  absl::MutexLock lock(&seen.mu);
  auto it = ctx->client_metadata().find("x-request-id");
  seen.request_id = it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
  seen.deadline = absl::FromChrono(ctx->deadline());
  seen.name = name;
}

class Registry : public config::v1::DeviceRegistry::Service {
 public:
  explicit Registry(Seen& seen) : seen_(seen) {}
  grpc::Status GetDevice(grpc::ServerContext* ctx, const config::v1::GetDeviceRequest* req,
                         config::v1::Device* resp) override {
    Record(seen_, ctx, req->name());
    if (req->name() == "devices/missing") {
      return status::ToGrpc(status::MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "no such device",
                                              {{"device_id", "missing"}}));
    }
    resp->set_name(req->name());
    return grpc::Status::OK;
  }
  grpc::Status ListDevices(grpc::ServerContext* ctx, const config::v1::ListDevicesRequest*,
                           config::v1::ListDevicesResponse*) override {
    Record(seen_, ctx, "list");
    return grpc::Status::OK;
  }
  grpc::Status DeleteDevice(grpc::ServerContext* ctx, const config::v1::DeleteDeviceRequest* req,
                            config::v1::DeleteDeviceResponse*) override {
    Record(seen_, ctx, req->name());
    return status::ToGrpc(status::MakeError(absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH", "changed"));
  }

 private:
  Seen& seen_;
};

class Tunnels : public tunnel::v1::TunnelService::Service {
 public:
  explicit Tunnels(Seen& seen) : seen_(seen) {}
  grpc::Status OpenTunnel(grpc::ServerContext* ctx, const tunnel::v1::OpenTunnelRequest* req,
                          tunnel::v1::Session* resp) override {
    Record(seen_, ctx, req->device_id());
    resp->set_device_id(req->device_id());
    resp->set_ssh_command("ssh -p 1 root@h");
    return grpc::Status::OK;
  }
  grpc::Status CloseTunnel(grpc::ServerContext* ctx, const tunnel::v1::CloseTunnelRequest* req,
                           tunnel::v1::Session*) override {
    Record(seen_, ctx, req->name());
    return status::ToGrpc(status::MakeError(absl::StatusCode::kNotFound, "TUNNEL_NOT_FOUND", "none"));
  }

 private:
  Seen& seen_;
};

class Configs : public config::v1::DeviceConfigService::Service {
 public:
  explicit Configs(Seen& seen) : seen_(seen) {}
  grpc::Status SetDesiredConfig(grpc::ServerContext* ctx, const config::v1::SetDesiredConfigRequest* req,
                                config::v1::ConfigVersion* resp) override {
    Record(seen_, ctx, req->device() + " " + req->body_json() + " " + std::to_string(req->expected_version()));
    if (req->expected_version() != 4) {
      return status::ToGrpc(status::MakeError(absl::StatusCode::kAborted, "CONFIG_VERSION_MISMATCH", "moved",
                                              {{"current_version", "4"}}));
    }
    resp->set_version(5);
    resp->set_body_json(req->body_json());
    return grpc::Status::OK;
  }
  grpc::Status ListConfigTemplates(grpc::ServerContext* ctx, const config::v1::ListConfigTemplatesRequest*,
                                   config::v1::ListConfigTemplatesResponse* resp) override {
    Record(seen_, ctx, "templates");
    resp->add_templates()->set_name("configTemplates/global");
    return grpc::Status::OK;
  }

 private:
  Seen& seen_;
};

// WatchPresence: with `ack`, acknowledges the subscription, sends one transition and holds the
// stream open until the client cancels; without, fails before sending anything; `legacy`: streams
// as `ack` does but without the acknowledgement (a device-online from before it).
class Online : public presence::v1::DeviceOnline::Service {
 public:
  grpc::Status WatchPresence(grpc::ServerContext* ctx, const presence::v1::WatchPresenceRequest*,
                             grpc::ServerWriter<presence::v1::PresenceTransition>* writer) override {
    if (!ack) return status::ToGrpc(status::MakeError(absl::StatusCode::kUnavailable, "SHUTTING_DOWN", "bye"));
    if (!legacy) {
      ctx->AddInitialMetadata("fleet-watch-subscribed", "1");
      writer->SendInitialMetadata();
    }
    presence::v1::PresenceTransition t;
    t.set_device_id("gw-1");
    t.set_state(presence::v1::OFFLINE);
    writer->Write(t);
    for (int i = 0; i < 1000 && !ctx->IsCancelled(); ++i) absl::SleepFor(absl::Milliseconds(10));
    return grpc::Status::OK;
  }
  std::atomic<bool> ack{true};
  std::atomic<bool> legacy{false};
};

class GrpcBackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = grpcx::Server::Start({}, {&registry_service_, &tunnel_service_, &config_service_, &online_service_},
                                  std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    target_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  Seen seen_;
  Registry registry_service_{seen_};
  Tunnels tunnel_service_{seen_};
  Configs config_service_{seen_};
  Online online_service_;
  std::unique_ptr<grpcx::Server> server_;
  std::string target_;
};

TEST_F(GrpcBackendsTest, RegistryForwardsRequestIdDeadlineAndErrors) {
  auto backend = NewGrpcRegistryBackend(target_);
  CallContext call{.request_id = "rq-7", .deadline = absl::Now() + absl::Seconds(3)};
  config::v1::GetDeviceRequest req;
  req.set_name("devices/gw-1");
  auto d = backend->Get(req, call);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name(), "devices/gw-1");
  {
    absl::MutexLock lock(&seen_.mu);
    EXPECT_EQ(seen_.request_id, "rq-7");
    EXPECT_LT(absl::AbsDuration(seen_.deadline - call.deadline), absl::Milliseconds(100));
  }
  req.set_name("devices/missing");
  auto nf = backend->Get(req, call);
  EXPECT_EQ(nf.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(nf.status()), "DEVICE_NOT_FOUND");
  EXPECT_EQ(status::Metadata(nf.status())["device_id"], "missing");

  config::v1::DeleteDeviceRequest del;
  del.set_name("devices/gw-1");
  EXPECT_EQ(status::Reason(backend->Delete(del, call)), "DEVICE_ETAG_MISMATCH");
  EXPECT_TRUE(backend->Ready().ok());
  // Not implemented by this fake service: the code passes through.
  EXPECT_EQ(backend->Import({}, call).status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcBackendsTest, TunnelForwardsCallsAndErrors) {
  auto backend = NewGrpcTunnelBackend(target_);
  CallContext call{.request_id = "rq-8", .deadline = absl::Now() + absl::Seconds(3)};
  tunnel::v1::OpenTunnelRequest open;
  open.set_device_id("gw-1");
  auto s = backend->Open(open, call);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ssh_command(), "ssh -p 1 root@h");
  tunnel::v1::CloseTunnelRequest close;
  close.set_name("tunnels/x");
  EXPECT_EQ(status::Reason(backend->Close(close, call).status()), "TUNNEL_NOT_FOUND");
  {
    absl::MutexLock lock(&seen_.mu);
    EXPECT_EQ(seen_.request_id, "rq-8");
    EXPECT_EQ(seen_.name, "tunnels/x");
  }
}

TEST_F(GrpcBackendsTest, ConfigForwardsCallsAndErrorMetadata) {
  auto backend = NewGrpcConfigBackend(target_);
  CallContext call{.request_id = "rq-9", .deadline = absl::Now() + absl::Seconds(3)};
  config::v1::SetDesiredConfigRequest set;
  set.set_device("devices/gw-1");
  set.set_body_json(R"({"a":1})");
  set.set_expected_version(4);
  auto v = backend->SetDesiredConfig(set, call);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->version(), 5);
  EXPECT_EQ(v->body_json(), R"({"a":1})");
  {
    absl::MutexLock lock(&seen_.mu);
    EXPECT_EQ(seen_.request_id, "rq-9");
    EXPECT_EQ(seen_.name, R"(devices/gw-1 {"a":1} 4)");
  }
  set.set_expected_version(3);
  absl::Status conflict = backend->SetDesiredConfig(set, call).status();
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(conflict), "CONFIG_VERSION_MISMATCH");
  EXPECT_EQ(status::Metadata(conflict)["current_version"], "4");
  auto templates = backend->ListConfigTemplates({}, call);
  ASSERT_TRUE(templates.ok()) << templates.status();
  EXPECT_EQ(templates->templates(0).name(), "configTemplates/global");
  EXPECT_TRUE(backend->Ready().ok());
  EXPECT_EQ(backend->GetConfigTemplate({}, call).status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcBackendsTest, PresenceWatchOpensOnTheAcknowledgementAndEndsOnCancel) {
  auto backend = NewGrpcPresenceBackend(target_);
  std::unique_ptr<PresenceWatch> watch = backend->Watch();
  ASSERT_TRUE(watch->WaitOpen().ok());
  presence::v1::PresenceTransition t;
  ASSERT_TRUE(watch->Next(&t));
  EXPECT_EQ(t.device_id(), "gw-1");
  EXPECT_EQ(t.state(), presence::v1::OFFLINE);
  // Blocked in Next() with nothing to read: Cancel() from another thread ends it.
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    watch->Cancel();
  });
  EXPECT_FALSE(watch->Next(&t));
  canceller.join();
  EXPECT_EQ(watch->Finish().code(), absl::StatusCode::kCancelled);
}

TEST_F(GrpcBackendsTest, PresenceWatchWithoutAcknowledgementFailsToOpenWithTheServersStatus) {
  online_service_.ack = false;
  auto backend = NewGrpcPresenceBackend(target_);
  std::unique_ptr<PresenceWatch> watch = backend->Watch();
  absl::Status st = watch->WaitOpen();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(status::Reason(st), "SHUTTING_DOWN");
  presence::v1::PresenceTransition t;
  EXPECT_FALSE(watch->Next(&t));
}

TEST_F(GrpcBackendsTest, PresenceWatchFromAServerWithoutTheAcknowledgementFailsToOpenAtOnce) {
  online_service_.legacy = true;  // streams transitions, never acknowledges, never ends by itself
  auto backend = NewGrpcPresenceBackend(target_);
  std::unique_ptr<PresenceWatch> watch = backend->Watch();
  const absl::Time start = absl::Now();
  absl::Status st = watch->WaitOpen();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented) << st;
  EXPECT_EQ(status::Reason(st), "BACKEND_UNAVAILABLE");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // the server would hold the stream for 10 s
}

TEST_F(GrpcBackendsTest, PresenceWatchCancelledBeforeOpeningNeverOpens) {
  auto backend = NewGrpcPresenceBackend(target_);
  std::unique_ptr<PresenceWatch> watch = backend->Watch();
  watch->Cancel();
  EXPECT_EQ(watch->WaitOpen().code(), absl::StatusCode::kCancelled);
}

TEST(GrpcBackendsNoServerTest, UnreachableIsUnavailableWithinTheDeadline) {
  auto backend = NewGrpcRegistryBackend("127.0.0.1:1");
  CallContext call{.deadline = absl::Now() + absl::Milliseconds(500)};
  auto d = backend->Get({}, call);
  EXPECT_TRUE(d.status().code() == absl::StatusCode::kUnavailable ||
              d.status().code() == absl::StatusCode::kDeadlineExceeded)
      << d.status();
  EXPECT_FALSE(backend->Ready().ok());
}

TEST(UnconfiguredBackendsTest, AnswerNotConfigured) {
  auto registry = NewUnconfiguredRegistryBackend();
  absl::Status st = registry->Get({}, {}).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "device-config is not configured");
  EXPECT_EQ(status::Reason(st), "BACKEND_UNAVAILABLE");
  auto configs = NewUnconfiguredConfigBackend();
  EXPECT_EQ(configs->GetDeviceConfig({}, {}).status().message(), "device-config is not configured");
  EXPECT_EQ(status::Reason(configs->DeleteConfigTemplate({}, {})), "BACKEND_UNAVAILABLE");
  EXPECT_TRUE(IsNotConfigured(configs->Ready()));
  auto tunnels = NewUnconfiguredTunnelBackend();
  EXPECT_EQ(tunnels->Ready().message(), "tunnel is not configured");
}

}  // namespace
}  // namespace fleet::bff
