#include "services/task/clients/grpc_clients.h"

#include <atomic>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"

namespace fleet::task {
namespace {

// Devices "d<n>": online when n is even, firmware "fw-<n>"; "ghost" is unknown.
class FakeOnline : public presence::v1::DeviceOnline::Service {
 public:
  grpc::Status BatchGetPresence(grpc::ServerContext*, const presence::v1::BatchGetPresenceRequest* req,
                                presence::v1::BatchGetPresenceResponse* resp) override {
    ++calls;
    max_batch = std::max(max_batch.load(), req->device_ids_size());
    if (fail) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "redis down");
    for (const std::string& id : req->device_ids()) {
      if (id == "ghost") {
        resp->add_missing(id);
        continue;
      }
      presence::v1::Presence* p = resp->add_presences();
      p->set_device_id(id);
      const int n = std::stoi(id.substr(1));
      p->set_state(n % 2 == 0 ? presence::v1::ONLINE : presence::v1::OFFLINE);
      p->mutable_board()->set_firmware_version("fw-" + std::to_string(n));
    }
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0}, max_batch{0};
  std::atomic<bool> fail{false};
};

class FakeRegistry : public config::v1::DeviceRegistry::Service {
 public:
  grpc::Status BatchGetDevices(grpc::ServerContext*, const config::v1::BatchGetDevicesRequest* req,
                               config::v1::BatchGetDevicesResponse* resp) override {
    for (const std::string& name : req->names()) {
      if (name == "ghost") {
        resp->add_missing(name);
        continue;
      }
      config::v1::Device* d = resp->add_devices();
      d->set_id(name);
      d->set_model("gw-200");
    }
    return grpc::Status::OK;
  }
  grpc::Status ListDevices(grpc::ServerContext*, const config::v1::ListDevicesRequest* req,
                           config::v1::ListDevicesResponse* resp) override {
    if (req->filter() == "bad(") {
      return status::ToGrpc(status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FILTER", "bad"));
    }
    // 5 devices, pages of page_size.
    const int start = req->page_token().empty() ? 0 : std::stoi(req->page_token());
    for (int i = start; i < std::min(5, start + req->page_size()); ++i) {
      config::v1::Device* d = resp->add_devices();
      d->set_id("n" + std::to_string(i));
      d->set_model(i == 0 ? "gw-100" : "gw-200");
    }
    if (start + req->page_size() < 5) resp->set_next_page_token(std::to_string(start + req->page_size()));
    return grpc::Status::OK;
  }
};

class ClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = grpcx::Server::Start({}, {&online_, &registry_}, std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpcx::Dial("127.0.0.1:" + std::to_string(server_->port()));
  }
  FakeOnline online_;
  FakeRegistry registry_;
  std::unique_ptr<grpcx::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ClientsTest, PresenceInParallelBatches) {
  GrpcPresenceSource source(presence::v1::DeviceOnline::NewStub(channel_), {.batch = 100, .parallel = 4});
  std::vector<std::string> ids;
  for (int i = 0; i < 950; ++i) ids.push_back("d" + std::to_string(i));
  ids.push_back("ghost");
  absl::StatusOr<std::map<std::string, DevicePresence>> got = source.Lookup(ids);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), 950u);
  EXPECT_TRUE(got->at("d4").online);
  EXPECT_FALSE(got->at("d5").online);
  EXPECT_EQ(got->at("d5").firmware_version, "fw-5");
  EXPECT_FALSE(got->count("ghost"));
  EXPECT_EQ(online_.calls.load(), 10);
  EXPECT_EQ(online_.max_batch.load(), 100);

  online_.fail = true;
  EXPECT_TRUE(absl::IsUnavailable(source.Lookup({"d1"}).status()));
}

TEST_F(ClientsTest, DirectoryResolvesIdsAndFilters) {
  GrpcDeviceDirectory dir(config::v1::DeviceRegistry::NewStub(channel_), {.page_size = 2});
  Targets ids;
  ids.device_ids = {"a", "ghost"};
  absl::StatusOr<std::vector<TargetDevice>> got = dir.Resolve(ids);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(*got, ::testing::ElementsAre(TargetDevice{"a", "gw-200"}, TargetDevice{"ghost", ""}));

  Targets filter;
  filter.label_filter = "labels.site = north";
  got = dir.Resolve(filter);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 5u);
  EXPECT_EQ((*got)[0], (TargetDevice{"n0", "gw-100"}));
  EXPECT_EQ((*got)[4].device_id, "n4");

  filter.label_filter = "bad(";
  absl::Status st = dir.Resolve(filter).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "INVALID_FILTER");

  GrpcDeviceDirectory small(config::v1::DeviceRegistry::NewStub(channel_), {.page_size = 2, .max_devices = 3});
  filter.label_filter = "labels.site = north";
  EXPECT_TRUE(absl::IsResourceExhausted(small.Resolve(filter).status()));
}

}  // namespace
}  // namespace fleet::task
